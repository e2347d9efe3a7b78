"""Build data/names.txt from the SSA's 2018 national list (data/ssa-names-2018.csv).

One lowercase name a line, in the file's order (girls by rank, then boys by rank),
duplicates across sexes kept, exactly as makemore's names.txt was made.

    python data/make_names.py          # writes data/names.txt and prints its sha256
"""
import csv
import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    with open(HERE / "ssa-names-2018.csv", newline="") as f:
        names = [row["name"].strip().lower() for row in csv.DictReader(f)]
    assert all(n.isalpha() and n.isascii() for n in names), "expected names of a-z only"
    text = "".join(n + "\n" for n in names)
    (HERE / "names.txt").write_text(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    print(f"data/names.txt: {len(names)} names, {len(set(names))} distinct, sha256 {digest}")


if __name__ == "__main__":
    main()
