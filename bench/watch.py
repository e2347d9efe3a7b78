"""How soon `course watch` shows a verdict after a module is saved.

    python bench/watch.py [--repeat 3] [--interval 0.2]

Copies solutions/ (every exercise passes: the longest a run can take) to a temporary folder,
starts the watcher (a warm judge and runner, as `course watch`), then for each module saves it
(a comment appended) and measures the wall time from the save to the verdict: the polling that
notices the save, and the run that grades that module's exercises. Prints the median per module
(goal: at most 1 s, except the training-heavy modules).
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from course.manifest import load  # noqa: E402
from course.learner.watch import Watcher  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--interval", type=float, default=0.2, help="the watcher's polling interval")
    args = parser.parse_args()
    course = load(ROOT)
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        os.chmod(tmp, 0o711)                 # the runner's user may pass through
        target = Path(tmp) / "exercises"
        shutil.copytree(ROOT / "solutions", target, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
        start = time.perf_counter()
        watcher = Watcher(course, target)
        scores, _ = watcher.grade()
        first = time.perf_counter() - start
        print(f"start-up and the first full run: {first:.2f} s ({scores['total']}/{scores['max_total']} points)")
        times: dict[str, list[float]] = {m: [] for m in watcher.modules}
        try:
            for _ in range(args.repeat):
                for module in watcher.modules:
                    path = target / f"{module}.py"
                    time.sleep(args.interval)          # the save lands anywhere in a polling interval
                    with path.open("a") as f:
                        f.write("\n# saved\n")
                    saved = time.perf_counter()
                    while module not in watcher.changed():
                        time.sleep(args.interval)
                    scores, output = watcher.grade(module)
                    times[module].append(time.perf_counter() - saved)
                    rows = [r for r in scores["exercises"] if r["status"] != "passed"]
                    if rows:
                        print(f"  {module}: {[(r['id'], r['status']) for r in rows]}\n{output[-1500:]}")
        finally:
            watcher.close()
    print(f"\nsave -> verdict, median of {args.repeat} (polling every {args.interval} s):")
    for module, values in times.items():
        n = len([ex for ex in course.exercises if ex.module == module])
        print(f"  {module:<12} {statistics.median(values):5.2f} s   ({n} exercises; "
              f"{min(values):.2f}–{max(values):.2f} s)")


if __name__ == "__main__":
    main()
