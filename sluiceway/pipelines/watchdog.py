"""``python -m sluiceway.pipelines.watchdog DRIVER_PID SESSION_DIR [POLL_S GRACE_S]``.

Started by ``runtime.init_ray`` in its own session. While the driver lives it records the driver's
descendants (raylet, GCS, agents, workers); once the driver is gone, however it died, it ends those
still running and every process whose command line names ``SESSION_DIR``: SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import sys
import time


def _session_processes(session: str, me: int) -> list:
    import psutil

    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if proc.pid != me and session in " ".join(proc.info["cmdline"] or ()):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def watch(driver_pid: int, session: str, poll_s: float = 0.5, grace_s: float = 3.0) -> int:
    import psutil

    me = psutil.Process().pid
    try:
        driver = psutil.Process(driver_pid)
    except psutil.NoSuchProcess:
        driver = None
    seen: dict[int, psutil.Process] = {}
    while driver is not None:
        try:
            if not driver.is_running() or driver.status() == psutil.STATUS_ZOMBIE:
                break
            for child in driver.children(recursive=True):
                if child.pid != me:
                    seen.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            break
        except psutil.Error:
            pass
        time.sleep(poll_s)
    victims = {p.pid: p for p in seen.values() if p.is_running()}  # is_running also checks the start time
    victims.update((p.pid, p) for p in _session_processes(session, me))
    for proc in list(victims.values()):
        try:
            victims.update((c.pid, c) for c in proc.children(recursive=True) if c.pid != me)
        except psutil.Error:
            continue
    procs = list(victims.values())
    for proc in procs:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(watch(int(args[0]), args[1], *(float(a) for a in args[2:4])))
