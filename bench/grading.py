"""How long the self-check takes, against the floor that importing torch sets.

    python bench/grading.py [--repeat 3]

Prints the median wall time of `pytest autograder --target solutions` and of
`python -c "import torch"`, measured in the same run, and their ratio (goal: at most 2x), with the
sandbox level it ran at (`course doctor`).
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
    wall(graders)                                   # warm-up: bytecode and file caches
    floor = statistics.median(wall(torch_import) for _ in range(args.repeat))
    grading = statistics.median(wall(graders) for _ in range(args.repeat))
    print(f"import torch                               {floor:6.2f} s")
    print(f"pytest autograder --target solutions       {grading:6.2f} s")
    print(f"ratio                                      {grading / floor:6.2f} x   (goal: <= 2x)")
    from course.grading import sandbox
    print(f"sandbox: {sandbox.level()} ({sandbox.reason()})")


if __name__ == "__main__":
    main()
