"""Embedded Ray: loopback only, gone after its driver is SIGKILLed, fast failure on a dead address."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
import time

import pytest

from sluiceway.pipelines.runtime import (
    OBJECT_STORE_ENV,
    ObjectStoreSizeError,
    RayAddressError,
    check_address,
    init_ray,
    object_store_bytes,
    root_cause,
    short_message,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DRIVER = """
import json, sys, time
from sluiceway.pipelines.pipeline import Pipeline
from sluiceway.pipelines.runtime import session_dir
from sluiceway.stages.registry import build_stage
Pipeline([build_stage("normalize"), build_stage("exact_dedup")]).run(sys.argv[1], sys.argv[2], num_cpus=2, quiet=True)
print(session_dir(), flush=True)
time.sleep(600)
"""


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": ROOT, "SLUICEWAY_PROGRESS": "0"}


def _session_procs(driver_pid: int, session: str, known: dict) -> list:
    import psutil

    procs = dict(known)
    try:
        procs.update((p.pid, p) for p in psutil.Process(driver_pid).children(recursive=True))
    except psutil.NoSuchProcess:
        pass
    for p in psutil.process_iter(["cmdline"]):
        if session in " ".join(p.info["cmdline"] or ()):
            procs[p.pid] = p
    return [p for p in procs.values() if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_embedded_ray_listens_on_loopback_and_dies_with_its_driver(tmp_path):
    import psutil

    (tmp_path / "a.jsonl").write_text("".join(f'{{"text": "doc {i % 7}"}}\n' for i in range(50)))
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path / "a.jsonl"), str(tmp_path / "out")],
                              env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        session = driver.stdout.readline().strip()
        assert session.startswith("/"), "the driver did not finish its run"
        procs = _session_procs(driver.pid, session, {})
        names = " ".join(p.name() for p in procs)
        assert "raylet" in names and "gcs_server" in names
        listening = [(p.name(), c.laddr) for p in [psutil.Process(driver.pid), *procs]
                     for c in p.net_connections("inet") if c.status == psutil.CONN_LISTEN]
        assert listening  # GCS, raylet and workers serve gRPC
        exposed = [(n, a) for n, a in listening
                   if not (ipaddress.ip_address(a.ip).is_loopback
                           or getattr(ipaddress.ip_address(a.ip), "ipv4_mapped", None) in (
                               ipaddress.ip_address("127.0.0.1"),))]
        assert not exposed, f"listening beyond loopback: {exposed}"
        known = {p.pid: p for p in procs}
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
        deadline = time.monotonic() + 20
        while _session_procs(driver.pid, session, known) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = [(p.pid, p.name()) for p in _session_procs(driver.pid, session, known)]
        assert not left, f"Ray processes alive 20 s after the driver's SIGKILL: {left}"
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()


def test_unreachable_address_fails_fast():
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}"):
        start = time.monotonic()
        with pytest.raises(RayAddressError, match=f"cannot reach the Ray cluster at {address}"):
            check_address(address)
        assert time.monotonic() - start < 15
    with pytest.raises(RayAddressError, match="not host:port"):
        check_address("nowhere")


def test_cli_unreachable_address_exits_in_seconds(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{s.getsockname()[1]}"
    cfg = tmp_path / "p.yaml"
    cfg.write_text("stages: [normalize]\n")
    (tmp_path / "a.jsonl").write_text('{"text": "x"}\n')
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "sluiceway.cli", "run", str(cfg), "--input", str(tmp_path / "a.jsonl"),
                           "--output", str(tmp_path / "out"), "--ray-address", address],
                          env=_env(), capture_output=True, text=True, timeout=60)
    assert time.monotonic() - start < 15
    assert proc.returncode == 2 and f"cannot reach the Ray cluster at {address}" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2
    assert not (tmp_path / "out").exists()  # checked before any output


def test_root_cause_looks_through_ray_wrappers(ray_session):
    import ray

    @ray.remote
    def fail():
        raise ValueError("bad value in shard 7")

    with pytest.raises(Exception) as info:
        ray.get(fail.remote())
    assert isinstance(root_cause(info.value), ValueError)
    assert short_message(info.value) == "bad value in shard 7"


def test_object_store_size_is_read_in_mib_and_validated():
    assert object_store_bytes({}) is None
    assert object_store_bytes({OBJECT_STORE_ENV: " "}) is None
    assert object_store_bytes({OBJECT_STORE_ENV: "200"}) == 200 * 2**20
    assert object_store_bytes({OBJECT_STORE_ENV: " 75 "}) == 75 * 2**20  # Ray's minimum itself is accepted
    from ray._private.ray_constants import OBJECT_STORE_MINIMUM_MEMORY_BYTES

    assert object_store_bytes({OBJECT_STORE_ENV: "75"}) >= OBJECT_STORE_MINIMUM_MEMORY_BYTES
    for bad, words in (("1.5", "whole number"), ("2G", "whole number"), ("74", "below Ray's minimum"),
                       ("-200", "below Ray's minimum")):
        with pytest.raises(ObjectStoreSizeError, match=words) as info:
            object_store_bytes({OBJECT_STORE_ENV: bad})
        assert OBJECT_STORE_ENV in str(info.value)


def test_bad_object_store_size_fails_before_the_output_is_touched(tmp_path, monkeypatch):
    from sluiceway.pipelines.pipeline import Pipeline
    from sluiceway.stages.registry import build_stage

    (tmp_path / "a.jsonl").write_text('{"text": "one"}\n')
    monkeypatch.setenv(OBJECT_STORE_ENV, "lots")
    with pytest.raises(ObjectStoreSizeError, match="lots"):
        Pipeline([build_stage("normalize")]).run(str(tmp_path / "a.jsonl"), str(tmp_path / "out"), quiet=True)
    assert not (tmp_path / "out").exists()


def test_object_store_size_is_ignored_with_a_warning_for_an_address(monkeypatch):
    import ray

    for name in ("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "RAY_BACKEND_LOG_LEVEL"):  # init_ray sets defaults
        monkeypatch.setenv(name, os.environ.get(name, "0" if "ACCEL" in name else "fatal"))
    monkeypatch.setenv(OBJECT_STORE_ENV, "200")
    monkeypatch.setattr(ray, "is_initialized", lambda: False)  # as in a fresh driver, whatever ran before
    with pytest.warns(UserWarning, match=f"{OBJECT_STORE_ENV} is ignored with --ray-address"), \
            pytest.raises(RayAddressError):  # nothing listens on port 1: fails in the probe, before ray.init
        init_ray("127.0.0.1:1")
