"""How long the self-check takes, against the floor that importing torch sets.

    python bench/grading.py [--repeat 3]

Prints the median wall time of `python -c "import torch"` and of grading the reference with
`pytest autograder --target solutions`, measured in the same run, and their ratio (goal: at most
2x), with the sandbox level it ran at (`course doctor`). Two gradings are timed: the learner's
self-check (the public tier: a learner's copy has no autograder/hidden/) and the instructor's
copy, whose pytest collects the hidden tier as well.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# As on a learner's machine: Python may cache bytecode (some containers set
# PYTHONDONTWRITEBYTECODE, which makes every run recompile the graders and the course).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"OMP_NUM_THREADS": "1"}


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch_import = [sys.executable, "-c", "import torch"]
    graders = [sys.executable, "-m", "pytest", "autograder", "--target", "solutions", "-q", "-p", "no:cacheprovider"]
    public = graders + ["--ignore", "autograder/hidden"]
    wall(graders)                                   # warm-up: bytecode and file caches
    floor = statistics.median(wall(torch_import) for _ in range(args.repeat))
    print(f"import torch                                   {floor:6.2f} s")
    for name, cmd in (("self-check (public tier)", public), ("instructor's copy (public + hidden)", graders)):
        took = statistics.median(wall(cmd) for _ in range(args.repeat))
        print(f"{name:<38} {took:6.2f} s   {took / floor:5.2f} x   (goal: <= 2x)")
    from course.grading import sandbox
    print(f"sandbox: {sandbox.level()} ({sandbox.reason()})")


if __name__ == "__main__":
    main()
