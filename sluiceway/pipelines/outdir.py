"""The output directory is sluiceway's, and only one run writes it at a time.

* ``_sluiceway.json`` (the marker) is written in every output directory a run uses: the pipeline's
  fingerprint (stages, read options, output format), the input files, the status
  (running | interrupted | failed | complete) and timestamps. ``--overwrite`` and ``--resume`` only
  touch a directory that carries it; a directory holding anything else is refused, never deleted.
* ``_lock`` is created with ``O_CREAT | O_EXCL`` and names its owner (pid, host, process start time).
  A second run is refused; a lock whose owner is dead on this host is taken over with a note.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import socket
import sys
import time
from typing import Any

MARKER = "_sluiceway.json"
LOCK = "_lock"
CHECKPOINTS = "_checkpoints"
# what a run writes (stage folders such as cluster/ and the SFT selection files included); --resume removes
# these and keeps _checkpoints/, --overwrite removes everything in a marked directory
OWN_OUTPUTS = ("kept", "rejected", "report.json", "cluster", "scores.parquet", "selected.json", "selected.jsonl")
# on --resume a stage's own folder (cluster/) stays: the stage rewrites it, or its checkpoint is reused
RESUME_REMOVES = tuple(entry for entry in OWN_OUTPUTS if entry != "cluster")
STATUSES = ("running", "interrupted", "failed", "complete")


class OutputExistsError(FileExistsError):
    """The output directory cannot be used as asked (not empty, not ours, another pipeline's)."""


class OutputLockedError(OutputExistsError):
    """Another live run holds the output directory's lock."""


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def fingerprint_parts(stages: list, read_options: Any, output_format: str) -> dict[str, str]:
    """Hashes of what decides a run's output: the stage list with parameters, the read options, the format.
    ``strict`` is left out: it only decides whether a malformed record stops the run."""
    read = _jsonable(read_options)
    read.pop("strict", None)
    return {"stages": _digest([[s.name, _jsonable(s)] for s in stages]), "input_options": _digest(read),
            "output_format": _digest(output_format)}


def fingerprint(parts: dict[str, str]) -> str:
    return _digest(parts)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _process_start(pid: int) -> float | None:
    try:
        import psutil

        return psutil.Process(pid).create_time()
    except Exception:  # no psutil, or the process is gone
        return None


def _owner_alive(owner: dict) -> bool | None:
    """True/False for an owner on this host; None when it lives on another host (cannot tell)."""
    if owner.get("host") != socket.gethostname():
        return None
    pid = int(owner.get("pid") or 0)
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    started = _process_start(pid)
    if started is not None and owner.get("started") and abs(started - float(owner["started"])) > 1.0:
        return False  # the pid was reused by a younger process
    return True


def _describe(owner: dict) -> str:
    return f"pid {owner.get('pid')} on {owner.get('host')} (since {owner.get('since', '?')})"


def _read_json(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        return doc if isinstance(doc, dict) else None
    except (OSError, ValueError):
        return None


def _write_json(path: str, doc: dict) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, ensure_ascii=False)
    os.replace(tmp, path)


class Lock:
    """``OUT/_lock``, taken atomically; ``release`` removes it only while it is still ours."""

    def __init__(self, output: str):
        self.path = os.path.join(output, LOCK)
        self.owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": _process_start(os.getpid()),
                      "since": _now()}
        self.held = False

    def acquire(self) -> None:
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._take_over_if_stale()
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.owner, fh)
            self.held = True
            return
        raise OutputLockedError(f"could not take the lock {self.path}")

    def _take_over_if_stale(self) -> None:
        owner = _read_json(self.path)
        if owner is None:  # being written this instant, or damaged: look again before judging
            time.sleep(0.2)
            owner = _read_json(self.path)
            if owner is None:
                raise OutputLockedError(f"{self.path} exists but cannot be read; if no run uses "
                                        f"{os.path.dirname(self.path)}, delete the lock file")
        alive = _owner_alive(owner)
        if alive is None:
            raise OutputLockedError(f"output directory {os.path.dirname(self.path)} is locked by a run on another "
                                    f"host: {_describe(owner)}; if that run is gone, delete {self.path}")
        if alive:
            raise OutputLockedError(f"output directory {os.path.dirname(self.path)} is in use by another run: "
                                    f"{_describe(owner)}; wait for it or choose another --output")
        stale = f"{self.path}.stale-{os.getpid()}"
        try:
            os.rename(self.path, stale)  # only one of several racing runs wins the rename
        except FileNotFoundError:
            return
        if _read_json(stale) != owner:  # a live run replaced the stale lock in between: give it back
            try:
                os.link(stale, self.path)
            finally:
                os.remove(stale)
            raise OutputLockedError(f"output directory {os.path.dirname(self.path)} was just locked by another run")
        os.remove(stale)
        print(f"note: took over the stale lock of {_describe(owner)}, which is no longer running", file=sys.stderr)

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        if _read_json(self.path) == self.owner:
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass


@dataclasses.dataclass
class OutputDir:
    """A locked, marked output directory; ``finish(status)`` records how the run ended and unlocks."""

    path: str
    lock: Lock
    marker: dict

    def mark(self, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
        self.marker.update(status=status, updated=_now())
        if status != "running":
            self.marker["finished"] = self.marker["updated"]
        _write_json(os.path.join(self.path, MARKER), self.marker)

    def finish(self, status: str) -> None:
        try:
            if self.lock.held:
                self.mark(status)
        finally:
            self.lock.release()


def _user_entries(output: str) -> list[str]:
    return sorted(e for e in os.listdir(output) if e != LOCK)


def _differences(old: dict, parts: dict[str, str], inputs: list[str]) -> list[str]:
    diffs = [name.replace("_", " ") for name, h in parts.items() if old.get("parts", {}).get(name) != h]
    if sorted(old.get("inputs", [])) != sorted(inputs):
        diffs.append("input files")
    return diffs


def _check_existing(output: str, overwrite: bool, resume: bool, parts: dict[str, str], inputs: list[str],
                    locked: bool) -> dict | None:
    """Refuse what must not happen to ``output``; return its marker (None when it is empty or new)."""
    if not os.path.isdir(output):
        if os.path.exists(output):
            raise OutputExistsError(f"output {output} exists and is not a directory")
        return None
    owner = None if locked else _read_json(os.path.join(output, LOCK))
    if owner is not None and _owner_alive(owner) is not False:
        raise OutputLockedError(f"output directory {output} is in use by another run: {_describe(owner)}; "
                                "wait for it or choose another --output")
    entries = _user_entries(output)
    marker = _read_json(os.path.join(output, MARKER))
    if not entries:
        return marker
    if marker is None or marker.get("tool") != "sluiceway":
        shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
        raise OutputExistsError(f"output directory {output} is not empty and was not written by sluiceway (no "
                                f"{MARKER}; it holds {shown}); choose another --output, or empty it yourself")
    if resume:
        diffs = _differences(marker, parts, inputs)
        if diffs:
            raise OutputExistsError(f"cannot --resume into {output}: it holds another pipeline's run "
                                    f"({', '.join(diffs)} differ); use another --output or --overwrite")
    elif not overwrite:
        raise OutputExistsError(f"output directory {output} holds a {marker.get('status', 'previous')} run; pass "
                                "--overwrite to replace it or --resume to reuse its checkpoints")
    return marker


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def prepare_output(output: str, overwrite: bool, resume: bool, *, stages: list, read_options: Any,
                   output_format: str, inputs: list[str]) -> OutputDir:
    """Lock ``output`` and make it ready: new, replaced (``overwrite``) or cleaned for ``resume``.

    Checked once before anything is written (a user's directory is never touched), then again under the lock.
    """
    parts = fingerprint_parts(stages, read_options, output_format)
    inputs = [os.path.abspath(f) for f in inputs]
    _check_existing(output, overwrite, resume, parts, inputs, locked=False)
    os.makedirs(output, exist_ok=True)
    lock = Lock(output)
    lock.acquire()
    try:
        old = _check_existing(output, overwrite, resume, parts, inputs, locked=True)
        if old is not None and resume:
            for entry in os.listdir(output):
                if entry in RESUME_REMOVES or (entry.startswith(".") and entry.endswith(".tmp")):
                    _remove(os.path.join(output, entry))
        elif old is not None:
            for entry in os.listdir(output):
                if entry != LOCK:
                    _remove(os.path.join(output, entry))
        created = (old or {}).get("created", _now()) if resume else _now()
        marker = {"tool": "sluiceway", "fingerprint": fingerprint(parts), "parts": parts, "inputs": inputs,
                  "output_format": output_format, "status": "running", "created": created, "updated": _now(),
                  "pid": os.getpid(), "host": socket.gethostname(), "resumed": bool(resume and old)}
        out = OutputDir(output, lock, marker)
        out.mark("running")
        return out
    except BaseException:
        lock.release()
        raise
