"""Memory of a process tree, from /proc: the total PSS of a process and all its descendants, sampled in a
thread. PSS (proportional set size) splits shared pages among the processes mapping them, so Ray's object
store (shared memory mapped by the raylet and every worker) is counted once, not once per worker."""

from __future__ import annotations

import os
import threading


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (as /proc shows them now)."""
    kids, todo, found = _children(), [root], []
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(kids.get(pid, []))
    return found


def cmdline(pid: int) -> list[str]:
    """The arguments ``pid`` was started with (empty when it is gone or unreadable)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return [a.decode(errors="replace") for a in fh.read().split(b"\0") if a]
    except OSError:
        return []


def pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_bytes(root: int) -> int:
    return sum(pss_kib(pid) for pid in descendants(root)) * 1024


class PeakMemory:
    """Largest total PSS of a process (default: this one) and all its descendants, sampled every ``every`` s
    in a thread; ``on_sample(pids)`` (optional) runs at each sample, e.g. to watch other figures as well."""

    def __init__(self, every: float = 2.0, root: int | None = None, on_sample=None):
        self.every, self.peak, self.samples, self._stop = every, 0, 0, threading.Event()
        self.root = root or os.getpid()
        self.on_sample = on_sample
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = descendants(self.root)
            self.peak = max(self.peak, sum(pss_kib(p) for p in pids) * 1024)
            self.samples += 1
            if self.on_sample is not None:
                self.on_sample(pids)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join()
