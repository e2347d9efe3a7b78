"""Writing files without losing anything: whole or not at all, and never over a learner's edit.

- `atomic_write(path, data)` and `atomic_save(path)` go through a temporary file beside `path`
  and a rename: a crash or a full disk leaves the old file or the new one, never half of one.
- `write_unless_edited(...)` is the course's one rule for files it makes and someone may then
  edit (stubs, released notebooks, a release, nbgrader's source notebooks): a `Record` keeps the
  sha256 of every file as it was written; a file whose bytes differ from its record was edited,
  so it stays as it is and the new version goes beside it as `<name>.new`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

NEW = ".new"
# Folders that tools make beside the course's files (byte code, notebook checkpoints, pytest's
# cache): never content to copy, release or scan.
CACHES = frozenset({"__pycache__", ".ipynb_checkpoints", ".pytest_cache"})


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def beside(path: Path) -> Path:
    """Where the new version of an edited file goes: `bigram.py` -> `bigram.py.new`."""
    return path.with_name(path.name + NEW)


@contextmanager
def atomic_save(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to save to (`fig.savefig(tmp)`, `torch.save(obj, tmp)`); it
    becomes `path` when the block ends, and is removed if the block raises. It ends as `path`
    does (`.png`), for savers that read the format from the name; a file replaced keeps its
    permissions."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}{path.suffix}")
    try:
        yield tmp
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write `data` (text is written as UTF-8) to `path` whole, or not at all."""
    with atomic_save(path) as tmp:
        tmp.write_bytes(data.encode() if isinstance(data, str) else data)


class Record:
    """What the course wrote, file key -> sha256 of the bytes written, kept as JSON in `path`
    (exercises/.stubs.json, OUT/.course-release.json...). A file is edited when it exists and its
    bytes are not those its record holds."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            shas = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            shas = {}
        self.shas: dict[str, str] = {k: v for k, v in shas.items() if isinstance(v, str)} \
            if isinstance(shas, dict) else {}
        self._saved = dict(self.shas)

    def edited(self, key: str, current: bytes | None) -> bool:
        return edited(current, self.shas.get(key))

    def note(self, key: str, data: bytes | str) -> None:
        self.shas[key] = sha256(data)

    def save(self) -> None:
        """Write the record, if anything in it changed."""
        if self.shas != self._saved:
            atomic_write(self.path, json.dumps(self.shas, indent=1, sort_keys=True) + "\n")
            self._saved = dict(self.shas)


def edited(current: bytes | None, recorded: str | None) -> bool:
    """Whether a file someone may have changed was changed: it exists, and its bytes are not the
    ones the course recorded when it wrote it (a file never recorded counts as edited)."""
    return current is not None and sha256(current) != recorded


def write_unless_edited(dest: Path, data: bytes | str, record: Record, key: str, *,
                        force: bool = False, check: bool = False) -> str:
    """Write `data` to `dest` unless someone edited `dest`, and say what was done:

    unchanged   `dest` already holds `data` (and the record says so: it is noted if not)
    created     there was no `dest`
    updated     `dest` was as the course wrote it, and is replaced
    kept        `dest` was edited: it stays as it is, `data` goes beside it as `<name>.new`
                (with `force`, an edited file is overwritten: "updated")
    stale       with `check`, nothing is written, and `dest` or its record is out of date
    """
    blob = data.encode() if isinstance(data, str) else data
    current = dest.read_bytes() if dest.is_file() else None
    if current == blob and (record.shas.get(key) == sha256(blob) or not check):
        record.note(key, blob)
        return "unchanged"
    if check:
        return "stale"
    if record.edited(key, current) and not force:
        atomic_write(beside(dest), blob)
        return "kept"
    atomic_write(dest, blob)
    record.note(key, blob)
    return "created" if current is None else "updated"
