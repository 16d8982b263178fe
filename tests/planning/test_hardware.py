import pytest

from sluiceway.planning.errors import PlanError
from sluiceway.planning.hardware import (
    BUILTIN,
    hardware_from_mapping,
    hardware_presets,
    load_hardware,
    with_overrides,
)


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_yaml_presets_agree_with_builtin(name):
    assert load_hardware(name) == BUILTIN[name]


def test_aliases_and_presets():
    assert load_hardware("A100").name == "a100-80gb"
    assert {"a100-40gb", "a100-80gb", "h100", "h200"} <= set(hardware_presets())


def test_overrides_and_errors(tmp_path):
    hw = with_overrides(load_hardware("h100"), mfu=0.5, price=2.0, memory_gib=80)
    assert hw.mfu == 0.5 and hw.price_per_gpu_hour == 2.0 and hw.memory_bytes == 80 * 2**30
    with pytest.raises(PlanError):
        with_overrides(hw, mfu=1.5)
    with pytest.raises(PlanError):
        with_overrides(hw, peak_tflops=-1)
    with pytest.raises(PlanError, match="unknown GPU"):
        load_hardware("tpu-v9")
    with pytest.raises(PlanError, match="memory_gib"):
        hardware_from_mapping({"peak_tflops": 100}, "x")
    custom = tmp_path / "mygpu.yaml"
    custom.write_text("memory_gib: 24\npeak_tflops: 165\n")
    assert load_hardware(str(custom)).peak_flops == 165e12
