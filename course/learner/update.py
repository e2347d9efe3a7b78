"""`course update NEW_RELEASE`: take a newer release of the course without losing a line of your work.

A learner's copy mixes two kinds of files:

- **yours**, in exercises/: the stubs you fill in and the notebooks you answer. The release
  records the sha256 of each as it was generated (exercises/.stubs.json, and .notebooks.json
  for the notebooks), which tells an untouched stub from one you edited:
  an untouched one is replaced by the new version; an edited one is kept as it is, and when the
  course changed that file the new version goes beside it as `<name>.new` to compare by hand.
  Files the release does not know (your notes, your own modules) are never touched.
- **the course's**, everywhere else (graders, manifest, the course's code, data): replaced by
  the new release. Your previous copy of any replaced file is kept under
  `.course-update/<time>/`, so even an edit there is not lost.

Every file gets one line saying what was done to it; `--dry-run` only says it.
"""
from __future__ import annotations

import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from course.files import CACHES, Record, atomic_write, beside, edited
from course.manifest import CourseError, find_root

SKIPPED = CACHES | {".git", ".venv", ".course-update", ".nbgrader"}
LEARNER = "exercises"


@dataclass
class Action:
    path: str        # relative to the course folder
    what: str        # added | replaced | kept | kept+new | updated | unchanged
    note: str = ""

    def __str__(self) -> str:
        text = {
            "added": "added (new in this release)",
            "replaced": "replaced: you had not changed it",
            "kept": "kept as you wrote it (the release did not change it)",
            "kept+new": f"kept as you wrote it; the new version is beside it as {Path(self.path).name}.new",
            "updated": "updated (the course's file)",
            "unchanged": "up to date",
        }[self.what]
        return f"{self.path:<36} {text}{'; ' + self.note if self.note else ''}"


def _files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*")
                  if p.is_file() and not p.is_symlink() and not SKIPPED & set(p.relative_to(folder).parts))


def _records(folder: Path) -> dict[str, Record]:
    """exercises/.*.json, the records of what the course generated there (.stubs.json,
    .notebooks.json): record file name -> its Record of {file name: sha256 as generated}."""
    return {path.name: Record(path) for path in sorted((folder / LEARNER).glob(".*.json"))}


def _generated_hash(records: dict[str, Record], name: str) -> str | None:
    return next((r.shas[name] for r in records.values() if name in r.shas), None)


def update(root: Path, release: Path, dry_run: bool = False) -> list[Action]:
    """Bring the learner's course folder `root` up to the release in folder `release`."""
    if not (release / "course.toml").is_file():
        raise CourseError(f"{release}: not a release of the course (it has no course.toml)")
    mine, theirs = _records(root), _records(release)
    merged = {name: Record(root / LEARNER / name) for name in set(mine) | set(theirs)}
    backup = root / ".course-update" / time.strftime("%Y%m%d-%H%M%S")
    actions = []
    for rel in _files(release):
        if rel.parent == Path(LEARNER) and rel.name in theirs:
            continue                                              # the records: merged below
        new, dest = (release / rel).read_bytes(), root / rel
        current = dest.read_bytes() if dest.is_file() else None
        generated_now = _generated_hash(theirs, rel.name) if rel.parts[0] == LEARNER else None
        record = next((n for n, r in theirs.items() if rel.name in r.shas), None) if rel.parts[0] == LEARNER else None
        if current == new:
            what = "unchanged"
        elif current is None:
            what = "added"
        elif rel.parts[0] != LEARNER:
            what = "updated"
        elif not edited(current, _generated_hash(mine, rel.name)):
            what = "replaced"                                     # an untouched stub
        elif generated_now is not None and generated_now == _generated_hash(mine, rel.name):
            what = "kept"                                         # edited, and the course did not change it
        else:
            what = "kept+new"                                     # edited, and the course changed it
        actions.append(Action(rel.as_posix(), what))
        if dry_run or what in ("unchanged", "kept"):
            continue
        if what == "kept+new":
            atomic_write(beside(dest), new)
            continue
        if what == "updated":
            (backup / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(dest, backup / rel)
            actions[-1].note = f"your previous copy: {(backup / rel).relative_to(root)}"
        atomic_write(dest, new)
        if record and what in ("added", "replaced"):
            merged[record].shas[rel.name] = generated_now
    if not dry_run:
        for merged_record in merged.values():
            merged_record.save()                                  # when something in it changed
    return actions


def cmd_update(args) -> int:
    root = Path(args.course).resolve() if args.course else find_root()
    source = Path(args.release)
    with tempfile.TemporaryDirectory(prefix="course-update-") as tmp:
        if source.suffix == ".zip":
            with zipfile.ZipFile(source) as zf:
                zf.extractall(tmp)
            inner = [p for p in Path(tmp).iterdir() if p.is_dir()]
            source = inner[0] if not (Path(tmp) / "course.toml").exists() and len(inner) == 1 else Path(tmp)
        actions = update(root, source.resolve(), dry_run=args.dry_run)
    shown = [a for a in actions if a.what != "unchanged" or args.verbose]
    for action in shown:
        print(("would be " if args.dry_run else "") + str(action))
    counts = {w: sum(a.what == w for a in actions) for w in ("added", "replaced", "updated", "kept", "kept+new")}
    print(f"{'dry run: ' if args.dry_run else ''}{counts['added']} added, {counts['replaced']} untouched stubs "
          f"replaced, {counts['updated']} course files updated, {counts['kept'] + counts['kept+new']} of your "
          f"files kept ({counts['kept+new']} with a .new version beside them); nothing of yours was overwritten")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("update")
    p.add_argument("release", help="the new release: its folder, or a .zip of it")
    p.add_argument("--course", help="your course folder (default: the one you are in)")
    p.add_argument("--dry-run", action="store_true", help="only say what would be done")
    p.add_argument("-v", "--verbose", action="store_true", help="list the files already up to date too")
    p.set_defaults(run=cmd_update)
