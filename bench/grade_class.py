"""How fast `course grade` grades a class: 100 synthetic submissions on the machine's cores.

    python bench/grade_class.py [--students 100] [--jobs 2] [--check-timeout 10] [--out DIR]

The class mixes correct submissions (the reference modules and the recall notebook),
partly done ones (the stubs with lecture 2 finished, the released notebook), broken ones
(a syntax error, a missing module, wrong answers) and hostile ones (the bad cases of
tests/test_grade.py: endless loops, exits, a segfault, 20 GB, a flood of prints, patching,
writing to the graders; and the attacks of tests/test_hostile.py). Every submission's code
runs in the sandbox the machine offers (printed). Prints the wall time and submissions per
minute (goal: 100 in <= 180 s sandboxed, never above 300 s).
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from course.classgrade import grade, pool  # noqa: E402
from course.manifest import load  # noqa: E402
from course.grading import sandbox  # noqa: E402
from tests.test_grade import PLANTED  # noqa: E402
from tests.test_hostile import ATTACKS  # noqa: E402


def make_class(folder: Path, n: int, course) -> dict[str, int]:
    modules = [m for a in course.assignments for m in a.modules]
    notebooks = [ex.notebook for ex in course.exercises if ex.notebook]
    kinds = {"correct": 0, "partly done": 0, "broken": 0, "hostile": 0}
    hostile = [*PLANTED.items(), *ATTACKS.items()]
    for i in range(n):
        d = folder / f"student{i:03d}"
        d.mkdir(parents=True)
        kind = ["correct", "correct", "partly done", "broken", "hostile"][i % 5]
        kinds[kind] += 1
        for m in modules:
            src = ROOT / ("solutions" if kind != "partly done" or m == "bigram" else "exercises") / f"{m}.py"
            if src.exists():
                shutil.copy(src, d / f"{m}.py")
        if kind != "partly done":                    # the challenge's saved model (tuning.beat_217)
            shutil.copy(ROOT / "solutions" / "beat_217.pt", d / "beat_217.pt")
        for nb in dict.fromkeys(notebooks):
            src = ROOT / ("exercises" if kind == "partly done" else "solutions") / nb
            if src.exists():
                shutil.copy(src, d / nb)
        if kind == "broken":
            case = i // 5 % 3
            if case == 0:
                (d / "bigram.py").write_text((d / "bigram.py").read_text() + "\ndef broken(:\n")
            elif case == 1:
                (d / modules[-1]).with_suffix(".py").unlink(missing_ok=True)
                (d / f"{modules[-1]}.py").unlink(missing_ok=True)
            else:
                (d / "bigram.py").write_text((d / "bigram.py").read_text().replace("keepdim=True", "keepdim=False"))
        if kind == "hostile":
            name, code = hostile[i // 5 % len(hostile)]
            (d / "bigram.py").write_text((d / "bigram.py").read_text() + "\n# --- " + name + "\n" + code)
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--check-timeout", type=float, default=None)
    parser.add_argument("--out", default=None,
                        help="keep the results here (grades.csv, the class report summary.md and .png)")
    args = parser.parse_args()
    course = load(ROOT)
    pool.warm_up()
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        kinds = make_class(Path(tmp) / "submissions", args.students, course)
        out = Path(args.out) if args.out else Path(tmp) / "out"
        start = time.perf_counter()
        records = grade.grade_class(course, Path(tmp) / "submissions", out, jobs=args.jobs,
                                    options=grade.Options(check_timeout=args.check_timeout))
        seconds = time.perf_counter() - start
    slowest = sorted(records, key=lambda r: -r.seconds)[:3]
    print(f"class: {', '.join(f'{v} {k}' for k, v in kinds.items())}")
    print(f"sandbox: {sandbox.describe()}")
    print("runners: one per job (as root, each as a user of its own), a fresh cell per submission where "
          "the kernel allows user namespaces (else a new runner per submission)")
    print(f"exercises graded per submission: {len(records[0].exercises)} "
          f"(notebook questions: {sum(1 for ex in course.exercises if ex.notebook)})")
    print(f"graded {len(records)} submissions in {seconds:.1f} s on {args.jobs} jobs: "
          f"{len(records) / seconds * 60:.1f} submissions/minute (goal: 100 in <= 180 s sandboxed)")
    print(f"mean per submission {sum(r.seconds for r in records) / len(records):.1f} s; slowest: "
          + ", ".join(f"{r.student} {r.seconds:.0f} s ({r.ended})" for r in slowest))


if __name__ == "__main__":
    main()
