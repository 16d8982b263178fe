import pytest

torch = pytest.importorskip("torch")

from sluiceway.sft import cpu_linear  # noqa: E402
from sluiceway.sft.cpu_linear import pack_linears  # noqa: E402


def _model() -> "torch.nn.Module":
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(48, 96), torch.nn.SiLU(), torch.nn.Linear(96, 20, bias=False),
                               torch.nn.Sequential(torch.nn.Linear(20, 7)))


def test_packed_layers_give_the_same_outputs_for_any_leading_shape():
    model = _model().eval()
    x = torch.randn(3, 11, 48)
    with torch.inference_mode():
        want = model(x)
    swapped = pack_linears(model)
    if cpu_linear._packing_op() is None:
        pytest.skip("this torch build has no oneDNN linear")
    assert swapped == 3
    assert not any(type(m) is torch.nn.Linear for m in model.modules())
    with torch.inference_mode():
        got = model(x)
    assert got.shape == want.shape
    assert torch.allclose(got, want, atol=1e-5, rtol=1e-5)


def test_non_fp32_layers_and_builds_without_the_op_are_left_alone(monkeypatch):
    model = _model().to(torch.float64)
    assert pack_linears(model) == 0
    monkeypatch.setattr(cpu_linear, "_packing_op", lambda: None)
    plain = _model()
    assert pack_linears(plain) == 0
    assert sum(type(m) is torch.nn.Linear for m in plain.modules()) == 3
