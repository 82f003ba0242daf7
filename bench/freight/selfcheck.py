"""Cross-check lilim.py's parser and checker against the 116 best-known route files.

Usage: python3 bench/freight/selfcheck.py [--bench DIR]   (DIR default ../shared/bench/lilim
relative to the repo root). Every best-known solution must be feasible, serve every
request, and match the table's vehicles and distance to within 0.01; exits 1 otherwise.
"""

import argparse
import sys
from pathlib import Path

import lilim

ROOT = Path(__file__).resolve().parents[2]


def read_routes(path: Path) -> list[list[int]]:
    routes = []
    for line in path.read_text().splitlines():
        if line.strip().startswith("Route") and ":" in line:
            routes.append([int(t) for t in line.split(":", 1)[1].split()])
    return routes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", default=str(ROOT.parent / "shared" / "bench" / "lilim"))
    args = ap.parse_args()
    bench = Path(args.bench)
    bks = lilim.read_best_known(bench / "best_known.csv")
    bad = 0
    count = 0
    for sub in ("pdp_100", "pdp_200"):
        for f in sorted((bench / sub).glob("*.txt")):
            inst = lilim.read_instance(f)
            routes = read_routes(bench / "bks_solutions" / sub / f"{inst.name}.sol.txt")
            sol = lilim.solution_json(inst, routes)
            problems = lilim.check(inst, routes)
            if sol["unassigned"]:
                problems.append(f"{len(sol['unassigned'])} requests unrouted")
            v, d = bks[inst.name]
            if sol["vehicles"] != v or abs(sol["distance"] - d) > 0.01:
                problems.append(f"table says {v}/{d}, routes give {sol['vehicles']}/{sol['distance']:.4f}")
            count += 1
            if problems:
                bad += 1
                print(f"{inst.name}: " + "; ".join(problems[:5]))
    print(f"{count - bad} of {count} best-known solutions pass")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
