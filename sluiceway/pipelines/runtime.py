"""Start or attach to Ray: embedded local Ray by default, an existing cluster with an address.

Embedded Ray is private to this machine and to this driver:

* it binds to loopback. Ray's gRPC servers (GCS, raylet, workers) listen on 127.0.0.1 only when the node
  IP is 127.0.0.1, and Ray 2.x turns a given ``_node_ip_address="127.0.0.1"`` into the machine's address
  unless local-only mode (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``) is on, so both are set;
* a watchdog process in its own session polls the driver and, once the driver is gone (a SIGKILL
  included), ends every process of this Ray session: the driver's descendants it has seen, and any
  process whose command line names the session directory (raylet, GCS, dashboard and runtime-env
  agents). SIGTERM first, SIGKILL after a grace period.

``SLUICEWAY_OBJECT_STORE_MB`` (MiB) sizes the embedded cluster's object store (Ray's default: 30% of the
machine's memory); a smaller store makes Ray spill objects to disk sooner. A cluster given by address keeps
its own size (set by ``ray start --object-store-memory``), so the variable is then ignored with a warning.

An address (``host:port``, ``ray://host:port`` or ``auto``) is probed with a TCP connect first, so an
unreachable cluster fails in seconds instead of hanging in ``ray.init``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator

PROBE_TIMEOUT_S = 3.0
OBJECT_STORE_ENV = "SLUICEWAY_OBJECT_STORE_MB"
OBJECT_STORE_MIN_MB = 75  # Ray's OBJECT_STORE_MINIMUM_MEMORY_BYTES (75 MiB): ray.init refuses less
WATCHDOG_POLL_S = 0.5
WATCHDOG_GRACE_S = 3.0


class RayAddressError(ConnectionError):
    """The Ray cluster at the given address cannot be reached."""


class ObjectStoreSizeError(ValueError):
    """``SLUICEWAY_OBJECT_STORE_MB`` is not a size Ray accepts."""


def find_cause(exc: BaseException, kind: type[BaseException] = BaseException) -> BaseException | None:
    """The first exception of ``kind`` along ``exc``'s chain, looking through Ray's task/actor wrappers."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        cur = todo.pop(0)
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, kind) and not is_ray_wrapper(cur):
            return cur
        todo += [getattr(cur, "cause", None), cur.__cause__, cur.__context__]
    return None


def is_ray_wrapper(exc: BaseException) -> bool:
    names = {c.__name__ for c in type(exc).__mro__}
    return bool(names & {"RayTaskError", "RayActorError", "UserCodeException", "RayError"})


def root_cause(exc: BaseException) -> BaseException:
    """The first exception behind Ray's task/actor wrappers (``exc`` itself when it is not one)."""
    cur: BaseException = exc
    seen: set[int] = set()
    while is_ray_wrapper(cur) and id(cur) not in seen:
        seen.add(id(cur))
        inner = getattr(cur, "cause", None) or cur.__cause__ or cur.__context__
        if not isinstance(inner, BaseException):
            break
        cur = inner
    return cur


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning|Iteration)\w*): (.+)$")
_RAY_NOISE = (re.compile(r"^Failed to .* after \d+/\d+ attempts"), re.compile(r"^(To change retry attempts|configure `ray)"),
              re.compile(r"^This looks like an AWS S3"))


def _clean(text: str) -> list[str]:
    lines = [_ANSI.sub("", ln).rstrip() for ln in text.splitlines()]
    return [ln for ln in lines if ln.strip() and not any(p.match(ln) for p in _RAY_NOISE)]


def _first_raised(text: str) -> str | None:
    """In a formatted remote trace, the first exception line: the root of the chain Python prints first."""
    for line in _clean(text):
        match = _EXC_LINE.match(line)
        if match and not match.group(1).startswith("ray."):
            return f"{match.group(1).rsplit('.', 1)[-1]}: {match.group(2)}"
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out:
        out.append(cur)
        nxt = getattr(cur, "cause", None)
        cur = nxt if isinstance(nxt, BaseException) else (cur.__cause__ or cur.__context__)
    return out


def short_message(exc: BaseException, max_lines: int = 4) -> str:
    """A few lines for the user: the root cause's message, never a trace (Ray's retry notes removed)."""
    cause = root_cause(exc)
    text = str(cause)
    if is_ray_wrapper(cause) or "Traceback (most recent call last)" in text:
        found = (_first_raised(str(e)) for e in _chain(exc))
        text = next((f for f in found if f), None) or (_clean(text) or [type(cause).__name__])[-1]
    lines = _clean(text) or [type(cause).__name__]
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [f"... ({len(lines) - max_lines + 1} more lines; rerun with --debug)"]
    return "\n".join(lines)


def _probe(host: str, port: int, address: str) -> None:
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return
    except OSError as exc:
        raise RayAddressError(f"cannot reach the Ray cluster at {address} ({host}:{port}): "
                              f"{exc.strerror or exc} after {PROBE_TIMEOUT_S:.0f} s; is `ray start` running "
                              "there, and is the port open?") from None


def check_address(address: str) -> None:
    """Fail fast when ``address`` (``host:port``, ``ray://host:port``, ``auto``) has nothing listening."""
    if address == "local":
        return
    target = address
    if address == "auto":
        from ray._private.services import canonicalize_bootstrap_address

        found = canonicalize_bootstrap_address("auto")
        if found is None:
            raise RayAddressError("--ray-address auto: no running Ray cluster found on this machine "
                                  "(start one with `ray start --head`, or leave out --ray-address)")
        target = found
    rest = target.split("://", 1)[1] if "://" in target else target
    host, sep, port = rest.rstrip("/").rpartition(":")
    if not sep or not port.isdigit():
        if address.startswith("ray://"):
            host, port = rest.rstrip("/"), "10001"
        else:
            raise RayAddressError(f"--ray-address {address!r} is not host:port, ray://host:port or auto")
    _probe(host.strip("[]"), int(port), address)


def object_store_bytes(environ: dict[str, str] | None = None) -> int | None:
    """The object store size ``SLUICEWAY_OBJECT_STORE_MB`` asks for, in bytes (None: unset, Ray's default).

    A value that is not a whole number of MiB, or is below Ray's minimum, is a clear error before Ray starts."""
    raw = (os.environ if environ is None else environ).get(OBJECT_STORE_ENV, "").strip()
    if not raw:
        return None
    try:
        mib = int(raw)
    except ValueError:
        raise ObjectStoreSizeError(f"{OBJECT_STORE_ENV}={raw!r} is not a whole number of MiB (e.g. 2048)") from None
    if mib < OBJECT_STORE_MIN_MB:
        raise ObjectStoreSizeError(f"{OBJECT_STORE_ENV}={mib} is below Ray's minimum object store size of "
                         f"{OBJECT_STORE_MIN_MB} MiB")
    return mib * 1024 * 1024


def init_ray(address: str | None = None, num_cpus: int | None = None, *, debug: bool | None = None) -> None:
    """Initialise Ray once per process; a second call with Ray already up is a no-op.

    ``debug`` (default: the ``SLUICEWAY_DEBUG`` variable the CLI's ``--debug`` sets) keeps Ray Data's
    own error logging, which prints every failed task's full trace."""
    import ray

    if debug is None:
        debug = os.environ.get("SLUICEWAY_DEBUG", "") not in ("", "0")

    if ray.is_initialized():
        return
    store = object_store_bytes()
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    # without debug, workers' stderr (every failed task's trace) stays in the session's log files
    kwargs: dict = {"ignore_reinit_error": True, "logging_level": logging.WARNING, "log_to_driver": debug}
    if not debug:
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    if address and address != "local":
        if store is not None:
            warnings.warn(f"{OBJECT_STORE_ENV} is ignored with --ray-address: the cluster's object store keeps "
                          "the size it was started with (ray start --object-store-memory)", stacklevel=2)
        check_address(address)
        try:
            ray.init(address=address, **kwargs)
        except ConnectionError as exc:  # something answers on the port, but not Ray's GCS
            raise RayAddressError(f"--ray-address {address}: {short_message(exc, 1)} (is it a Ray head node's "
                                  "GCS port, 6379 by default?)") from exc
    else:  # "local" starts a fresh embedded Ray even when another cluster runs on this machine
        _local_only()
        kwargs["address"] = "local"
        kwargs["num_cpus"] = num_cpus or os.cpu_count()
        kwargs["include_dashboard"] = False
        kwargs["_node_ip_address"] = "127.0.0.1"
        if store is not None:
            kwargs["object_store_memory"] = store
        ray.init(**kwargs)
        start_watchdog(os.getpid(), session_dir())
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = os.environ.get("SLUICEWAY_PROGRESS", "1") != "0"
    if not debug:  # Ray Data logs every failed task's full trace; the CLI prints the cause instead
        logging.getLogger("ray.data").setLevel(logging.CRITICAL)


def shutdown_ray() -> None:
    """Shut Ray down if it is up (after Ctrl-C, so no task keeps writing into the output)."""
    import ray

    with contextlib.suppress(Exception):
        if ray.is_initialized():
            ray.shutdown()


@contextlib.contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """While the block runs, SIGTERM stops it like Ctrl-C (so cleanup runs); main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _local_only() -> None:
    """Make Ray keep 127.0.0.1 as the node address (workers inherit the variable)."""
    from ray._private import ray_constants

    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False


def session_dir() -> str:
    import ray

    return ray._private.worker._global_node.get_session_dir_path()


def start_watchdog(driver_pid: int, session: str) -> subprocess.Popen:
    """A process in its own session that ends this Ray session's processes once ``driver_pid`` is gone."""
    return subprocess.Popen(
        [sys.executable, "-m", "sluiceway.pipelines.watchdog", str(driver_pid), session,
         str(WATCHDOG_POLL_S), str(WATCHDOG_GRACE_S)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True)
