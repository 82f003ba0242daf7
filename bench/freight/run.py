#!/usr/bin/env python3
"""Li & Lim PDPTW benchmark: our `sharedtable freight solve` against OR-Tools, VROOM, PyVRP.

Runs every selected instance with every selected solver under the same time
limit and rules, re-verifies every solution with one independent checker
(`sharedtable freight check`), appends one CSV row per (instance, solver) as it
finishes, then writes the section between `<!-- freight-lilim:start -->` and
`<!-- freight-lilim:end -->` of BENCHMARKS.md (appended if missing).

Usage (from the repository root):
  bash bench/freight/setup.sh                       # venv with the pinned peers
  cargo build --release -p sharedtable
  python3 bench/freight/run.py --seconds 60 --set all --jobs 1 \\
      --out bench/freight/results-YYYY-MM-DD.csv

Options: --seconds N (time limit per solver run), --set 100|200|all,
--instances PATTERN (fnmatch on instance names, e.g. 'lc1_2_*' or 'lr101,lrc201'),
--solvers ours,ortools,vroom,pyvrp, --binary PATH (default target/release/sharedtable),
--jobs 1|2 (solver runs in parallel; 1 keeps timings clean), --out CSV,
--resume (keep rows already in --out for the same --seconds and run only the
missing ones: a full sweep can be done in pieces), --report-only (rewrite
BENCHMARKS.md from --out without solving), --checker ours|python (python only
for development before the binary exists), --margin S (extra wall-clock seconds
before a run is killed as a timeout; default max(10, seconds/4)).

A crash, a timeout, unreadable output or a checker failure is recorded in the
row's `status` and never stops the sweep. Standard library only: runs with any
python3; the peers run with bench/freight/.venv/bin/python.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import fnmatch
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import lilim  # noqa: E402

SOLVERS = ("ours", "ortools", "vroom", "pyvrp")
VENV_PY = HERE / ".venv" / "bin" / "python"
START, END = "<!-- freight-lilim:start -->", "<!-- freight-lilim:end -->"
FIELDS = [
    "set", "instance", "solver", "seconds_limit", "status", "exit_code", "seconds",
    "vehicles", "distance", "unassigned", "feasible", "violations", "checker_distance",
    "py_violations", "checkers_agree", "bks_vehicles", "bks_distance", "gap_pct",
    "bks_vehicles_hit", "solved", "note",
]
SETTINGS = {
    "ours": "`sharedtable freight solve --lilim FILE --seconds N --seed S --threads T --format json`",
    "ortools": "PARALLEL_CHEAPEST_INSERTION then GUIDED_LOCAL_SEARCH; routing search is single-threaded; deterministic",
    "vroom": "shipments, exploration level 5, `nb_threads=1`, timeout = limit (stops early when done)",
    "pyvrp": "`pyvrp.Shipment` per request (native pickup-delivery in 0.14), `MaxRuntime`, seed S, single-threaded",
}


def rel(p: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(ROOT))
    except ValueError:
        return str(p)


def instances(bench: Path, which: str, pattern: str | None) -> list[tuple[str, Path]]:
    """(set, file) for the chosen set(s), filtered by comma-separated fnmatch patterns."""
    sets = {"100": ["pdp_100"], "200": ["pdp_200"], "all": ["pdp_100", "pdp_200"]}[which]
    pats = [p.strip() for p in pattern.split(",")] if pattern else ["*"]
    out = []
    for sub in sets:
        files = sorted((bench / sub).glob("*.txt"), key=lambda f: natural(f.stem))
        for f in files:
            if any(fnmatch.fnmatch(f.stem, p) for p in pats):
                out.append((sub.removeprefix("pdp_"), f))
    return out


def natural(name: str) -> list:
    """Sort key that puts lc1_2_2 before lc1_2_10."""
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def run_proc(cmd: list[str], timeout: float, env: dict | None = None) -> tuple[str, int | None, float, str, str]:
    """Run `cmd` in its own process group; returns (status, exit code, wall seconds, stdout, stderr).

    status is "ok" (exit 0), "crash" (non-zero exit or signal), "timeout" (killed
    after `timeout` s, whole group) or "error" (could not start).
    """
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, env=env, cwd=ROOT)
    except OSError as e:
        return "error", None, 0.0, "", f"could not start {cmd[0]}: {e}"
    RUNNING.add(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
        secs = time.monotonic() - t0
        return ("ok" if proc.returncode == 0 else "crash"), proc.returncode, secs, out, err
    except subprocess.TimeoutExpired:
        secs = time.monotonic() - t0
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        return "timeout", None, secs, out, err
    finally:
        RUNNING.discard(proc)


RUNNING: set[subprocess.Popen] = set()
"""Solver and checker processes in flight; killed (by their own group) if the harness is interrupted."""


def kill_running() -> None:
    for proc in list(RUNNING):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def solver_cmd(solver: str, inst: Path, seconds: float, binary: Path, seed: int, threads: int = 1) -> list[str]:
    """Command line of one run; ours and PyVRP get `--seed` (OR-Tools and VROOM take none), ours
    `--threads` (the peers run on one thread)."""
    if solver == "ours":
        return [str(binary), "freight", "solve", "--lilim", str(inst), "--seconds", fmt_s(seconds),
                "--seed", str(seed), "--threads", str(threads), "--format", "json"]
    cmd = [str(VENV_PY), str(HERE / f"peer_{solver}.py"), "--lilim", str(inst), "--seconds", fmt_s(seconds)]
    return cmd + (["--seed", str(seed)] if solver == "pyvrp" else [])


def fmt_s(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


def parse_solution(text: str) -> dict:
    """The last JSON object printed on stdout, validated to the solve shape."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        raise ValueError("no output")
    try:
        sol = json.loads(text)
    except json.JSONDecodeError:
        sol = json.loads(lines[-1])
    if not isinstance(sol, dict) or not isinstance(sol.get("routes"), list):
        raise ValueError("output has no 'routes' list")
    for r in sol["routes"]:
        if not isinstance(r, list) or not all(isinstance(v, int) for v in r):
            raise ValueError("a route is not a list of integer node ids")
    return sol


def check_ours(binary: Path, inst: Path, sol_file: Path, timeout: float) -> dict:
    """Run `sharedtable freight check`; returns feasible, violations (count), distance, note."""
    status, code, _, out, err = run_proc(
        [str(binary), "freight", "check", "--lilim", str(inst), "--solution", str(sol_file),
         "--format", "json"], timeout)
    if status == "timeout" or code not in (0, 1):
        return {"ok": False, "note": f"checker {status} (exit {code}): {last_line(err)}"}
    try:
        rep = json.loads(out)
    except json.JSONDecodeError:
        return {"ok": False, "note": f"checker printed no JSON (exit {code}): {last_line(err)}"}
    viol = rep.get("violations", [])
    count = len(viol) if isinstance(viol, list) else int(viol or 0)
    feasible = bool(rep.get("feasible", code == 0))
    note = ""
    if feasible != (code == 0):
        note = f"checker exit {code} disagrees with feasible={feasible}"
    if count and isinstance(viol, list):
        note = (note + "; " if note else "") + "first violation: " + short(viol[0])
    return {"ok": True, "feasible": feasible, "violations": count,
            "distance": rep.get("distance"), "note": note}


def short(v) -> str:
    s = v if isinstance(v, str) else json.dumps(v)
    return s[:160]


def last_line(text: str) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


def run_one(args, set_name: str, inst_file: Path, solver: str, bks: dict, work: Path) -> dict:
    """Solve one instance with one solver, check it, and return its CSV row."""
    inst = lilim.read_instance(inst_file)
    bv, bd = bks[inst.name]
    row = {k: "" for k in FIELDS}
    row.update({"set": set_name, "instance": inst.name, "solver": solver,
                "seconds_limit": fmt_s(args.seconds), "bks_vehicles": bv, "bks_distance": f"{bd:.4f}",
                "solved": False, "bks_vehicles_hit": False})
    env = dict(os.environ)
    status, code, secs, out, err = run_proc(
        solver_cmd(solver, inst_file, args.seconds, args.binary, args.seed, args.ours_threads), args.seconds + args.margin, env)
    base = work / solver / inst.name
    base.parent.mkdir(parents=True, exist_ok=True)
    base.with_suffix(".out.json").write_text(out or "")
    base.with_suffix(".err.txt").write_text(err or "")
    row.update({"status": status, "exit_code": "" if code is None else code, "seconds": f"{secs:.2f}"})
    if status != "ok":
        row["note"] = last_line(err) or status
        row["solved"] = False
        return row
    try:
        sol = parse_solution(out)
    except (ValueError, json.JSONDecodeError) as e:
        row.update({"status": "bad-output", "note": str(e)[:200], "solved": False})
        return row
    routes = [r for r in sol["routes"] if r]
    # The checker gets the solve shape with the solver's own claims (vehicles, distance), so it
    # judges those too; the peers' notes ("peer") are dropped.
    clean = {k: sol[k] for k in ("vehicles", "distance", "routes", "unassigned") if k in sol}
    valid_ids = all(0 < v < len(inst.nodes) for r in routes for v in r)
    distance = sum(lilim.route_distance(inst, r) for r in routes) if valid_ids else float("nan")
    sol_file = base.with_suffix(".solution.json")
    sol_file.write_text(json.dumps(clean))
    visited = {v for r in routes for v in r}
    missing = sum(1 for p, d in inst.pairs if p not in visited or d not in visited)
    py_viol = lilim.check(inst, routes)
    row.update({"vehicles": len(routes), "distance": f"{distance:.4f}",
                "unassigned": missing, "py_violations": len(py_viol)})
    if args.checker == "ours":
        rep = check_ours(args.binary, inst_file, sol_file, 60 + args.margin)
        if not rep["ok"]:
            row.update({"status": "check-error", "note": rep["note"], "solved": False})
            return row
        row.update({"feasible": rep["feasible"], "violations": rep["violations"],
                    "checker_distance": "" if rep["distance"] is None else f"{float(rep['distance']):.4f}",
                    "note": rep["note"]})
        agree = rep["feasible"] == (not py_viol)
        if rep["distance"] is not None and not abs(float(rep["distance"]) - distance) <= 0.01:
            agree = False
        row["checkers_agree"] = agree
    else:
        row.update({"feasible": not py_viol, "violations": len(py_viol), "checkers_agree": "",
                    "note": "checked by lilim.py only (development)" + (f": {py_viol[0]}" if py_viol else "")})
    solved = bool(row["feasible"]) and missing == 0
    row["solved"] = solved
    if solved:
        # round first, then add 0.0, so that -0.0001 % is written 0.000, not -0.000
        row["gap_pct"] = f"{round(100.0 * (distance - bd) / bd, 3) + 0.0:.3f}"
        row["bks_vehicles_hit"] = len(routes) <= bv
    else:
        row["bks_vehicles_hit"] = False
    return row


def truthy(v) -> bool:
    return str(v) == "True"


def load_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def versions(binary: Path, solvers: list[str]) -> dict[str, str]:
    """Version strings of every solver in the run, read from the tools themselves."""
    out = {"python": platform.python_version()}
    peers = [s for s in solvers if s != "ours"]
    if peers and VENV_PY.exists():
        code = ("import importlib.metadata as m, json;"
                "print(json.dumps({n: m.version(n) for n in ('ortools','pyvroom','pyvrp')}))")
        try:
            res = subprocess.run([str(VENV_PY), "-c", code], capture_output=True, text=True, timeout=60)
            out.update(json.loads(res.stdout))
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
    if "ours" in solvers:
        try:
            res = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
            out["sharedtable"] = res.stdout.strip() or "unknown"
        except (OSError, subprocess.TimeoutExpired):
            out["sharedtable"] = "unknown"
        try:
            rev = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                                 capture_output=True, text=True, timeout=30).stdout.strip()
            out["sharedtable"] += f" (git {rev})" if rev else ""
        except (OSError, subprocess.TimeoutExpired):
            pass
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def f2(x: float | None, nd: int = 2) -> str:
    return "–" if x is None else f"{x:.{nd}f}"


def winners(rows: list[dict]) -> set[tuple[str, str]]:
    """(instance, solver) pairs with the best (vehicles, distance) among solved rows.

    Ties (same vehicles, distance within 0.01) all win.
    """
    best: dict[str, tuple[int, float]] = {}
    for r in rows:
        if truthy(r["solved"]):
            key = (int(r["vehicles"]), float(r["distance"]))
            cur = best.get(r["instance"])
            if cur is None or key[0] < cur[0] or (key[0] == cur[0] and key[1] < cur[1]):
                best[r["instance"]] = key
    won = set()
    for r in rows:
        b = best.get(r["instance"])
        if b and truthy(r["solved"]) and int(r["vehicles"]) == b[0] and float(r["distance"]) <= b[1] + 0.01:
            won.add((r["instance"], r["solver"]))
    return won


def markdown(rows: list[dict], solvers: list[str], meta: dict) -> str:
    """The BENCHMARKS.md section (between the markers) for `rows`."""
    won = winners(rows)
    sets = [s for s in ("100", "200") if any(r["set"] == s for r in rows)]
    n_inst = {s: len({r["instance"] for r in rows if r["set"] == s}) for s in sets}
    full = {"100": 56, "200": 60}
    L = [START, "", "## Freight pooling: Li & Lim PDPTW against OR-Tools, VROOM and PyVRP", ""]
    L.append(f"Reproduce: `{meta['command']}` (after `bash bench/freight/setup.sh` and "
             "`cargo build --release -p sharedtable`). Results, one row per instance and solver: "
             f"`{meta['out']}`.")
    L.append("")
    L.append(f"Run of {meta['date']}, {meta['seconds']} s per solver run, wall-clock. Machine: "
             f"{meta['nproc']} cores ({meta['cpu']}), other work running at the same time; "
             f"`--jobs {meta['jobs']}` solver run(s) at once. Versions: "
             + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".")
    partial = [f"{n_inst[s]} of {full[s]} instances of the {s}-task set" for s in sets if n_inst[s] < full[s]]
    if partial:
        L += ["", "**Partial run**: " + "; ".join(partial) + "."]
    aim = aim_line(rows, meta)
    if aim:
        L += ["", aim]
    L += ["", "Rules (shared/bench/README.md): Euclidean distance in double precision, travel time = distance, "
          "service before leaving, waiting allowed, load within [0, Q], pickup before its delivery on one route, "
          "back at the depot by its due time; objective fewest vehicles, then distance. Every solution is "
          f"re-verified by {meta['checker']}; distances are recomputed in "
          "double precision from the routes. The peers get integer costs round(1000 d) and integer times "
          "ceil(1000 d) (rounded up, so integer-feasible implies feasible; see `bench/freight/lilim.py`) "
          "and a fixed cost per vehicle larger than any solution's distance (vehicles first).", ""]
    for s in solvers:
        L.append(f"- **{s}**: {SETTINGS[s]}")
    if "ours" in solvers and meta.get("ours_threads"):
        L.append(f"- Threads of ours: {meta['ours_threads']}. The peers run on one thread each.")
    L.append(f"- Seed S = {meta['seed']}.")
    L += ["", "Columns: *feasible* = checker says feasible and every request is served; *BKS vehicles* = "
          "share of instances solved with at most the best-known vehicle count; *gap* = distance gap to the "
          "best-known distance over feasible solutions (all, and only those at the best-known vehicle count; "
          "a solution with more vehicles can have a negative gap); *wins* = instances where the solver has "
          "the best (vehicles, distance) of this run, ties (within 0.01) counted for each.", ""]
    L.append("| set | solver | instances | feasible | BKS vehicles | mean gap % | mean gap % at BKS vehicles | "
             "mean s | wins | crashes / timeouts |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in sets:
        for sv in solvers:
            rs = [r for r in rows if r["set"] == s and r["solver"] == sv]
            if not rs:
                continue
            solved = [r for r in rs if truthy(r["solved"])]
            hit = [r for r in rs if truthy(r["bks_vehicles_hit"])]
            gaps = [float(r["gap_pct"]) for r in solved]
            gaps_hit = [float(r["gap_pct"]) for r in hit]
            secs = [float(r["seconds"]) for r in rs if r["seconds"]]
            bad = sum(1 for r in rs if r["status"] in ("crash", "timeout", "error", "bad-output", "check-error"))
            wins = sum(1 for r in rs if (r["instance"], sv) in won)
            L.append(f"| {s} | {sv} | {len(rs)} | {len(solved)} | {100.0 * len(hit) / len(rs):.1f} % | "
                     f"{f2(mean(gaps))} | {f2(mean(gaps_hit))} | {f2(mean(secs), 1)} | {wins} | {bad} |")
    disagree = [r for r in rows if r.get("checkers_agree") == "False"]
    if disagree:
        L += ["", f"The Python cross-check (`bench/freight/lilim.py`) disagrees with `freight check` on "
              f"{len(disagree)} solution(s): " + ", ".join(f"{r['instance']}/{r['solver']}" for r in disagree[:10])
              + " (see the CSV)."]
    for s in sets:
        L += ["", f"### {s}-task instances", ""]
        head = "| instance | BKS V / D |" + "".join(f" {sv} V | {sv} D | gap % | s |" for sv in solvers)
        L.append(head)
        L.append("|---|---:|" + "---:|---:|---:|---:|" * len(solvers))
        names = sorted({r["instance"] for r in rows if r["set"] == s}, key=natural)
        by = {(r["instance"], r["solver"]): r for r in rows}
        for name in names:
            any_row = next(r for r in rows if r["instance"] == name)
            cells = [f"| {name} | {any_row['bks_vehicles']} / {float(any_row['bks_distance']):.2f} |"]
            for sv in solvers:
                r = by.get((name, sv))
                if r is None:
                    cells.append(" | | | |")
                elif not truthy(r["solved"]):
                    what = r["status"] if r["status"] != "ok" else (
                        f"infeasible ({r['violations']})" if not truthy(r["feasible"]) else f"{r['unassigned']} unserved")
                    cells.append(f" {what} | | | {f2(float(r['seconds']), 1) if r['seconds'] else ''} |")
                else:
                    v = f"**{r['vehicles']}**" if (name, sv) in won else r["vehicles"]
                    cells.append(f" {v} | {float(r['distance']):.2f} | {float(r['gap_pct']):.2f} | "
                                 f"{float(r['seconds']):.1f} |")
            L.append("".join(cells))
    L += ["", "Bold vehicle counts mark the best (vehicles, distance) of the run on that instance.", "", END]
    return "\n".join(L) + "\n"


def aim_line(rows: list[dict], meta: dict) -> str:
    """Issue 4's aim for ours on the 200-task set, judged from `rows`; "" without such rows.

    Aim: at 60 s, the best-known vehicle count on >= 90 % of the 60 instances and a
    mean distance gap <= 2 %. The gap is judged on the larger of the two means
    (all feasible solutions; only those at the best-known vehicle count), since a
    solution with extra vehicles can have a negative gap.
    """
    rs = [r for r in rows if r["set"] == "200" and r["solver"] == "ours"]
    if not rs:
        return ""
    hit = 100.0 * sum(truthy(r["bks_vehicles_hit"]) for r in rs) / len(rs)
    g_all = mean([float(r["gap_pct"]) for r in rs if truthy(r["solved"])])
    g_hit = mean([float(r["gap_pct"]) for r in rs if truthy(r["bks_vehicles_hit"])])
    gaps = [g for g in (g_all, g_hit) if g is not None]
    met = hit >= 90.0 and bool(gaps) and max(gaps) <= 2.0
    full = len(rs) == 60 and meta["seconds"] == "60"
    verdict = ("met" if met else "not met") if full else (
        f"{'met' if met else 'not met'} on this run's {len(rs)} of 60 instances at {meta['seconds']} s, "
        "which are not the aim's conditions")
    return (f"**Aim** (200-task set at 60 s: best-known vehicles on >= 90 % of instances, mean gap <= 2 %, "
            f"ahead of OR-Tools and VROOM, level with PyVRP): ours {hit:.1f} % and mean gap {f2(g_all)} % "
            f"(all feasible) / {f2(g_hit)} % (at best-known vehicles): **{verdict}**. "
            "Compare the peers in the table below.")


def write_section(path: Path, section: str) -> None:
    """Replace the marked section of `path` (or append it), writing atomically."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in text and END in text and text.index(START) < text.index(END):
        a, b = text.index(START), text.index(END) + len(END)
        text = text[:a] + section.rstrip("\n") + text[b:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".benchmarks-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main() -> int:
    today = dt.date.today().isoformat()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--set", choices=("100", "200", "all"), default="all")
    ap.add_argument("--instances", default=None)
    ap.add_argument("--solvers", default=",".join(SOLVERS))
    ap.add_argument("--binary", type=Path, default=ROOT / "target" / "release" / "sharedtable")
    ap.add_argument("--jobs", type=int, choices=(1, 2), default=1)
    ap.add_argument("--out", type=Path, default=HERE / f"results-{today}.csv")
    ap.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench" / "lilim",
                    help="folder with pdp_100/, pdp_200/ and best_known.csv (default ../shared/bench/lilim)")
    ap.add_argument("--benchmarks", type=Path, default=ROOT / "BENCHMARKS.md")
    ap.add_argument("--work", type=Path, default=None,
                    help="raw outputs and checked solutions (default bench/out/freight/<timestamp>)")
    ap.add_argument("--margin", type=float, default=None)
    ap.add_argument("--checker", choices=("ours", "python"), default="ours")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--seed", type=int, default=1, help="seed for ours and PyVRP (default 1)")
    ap.add_argument("--ours-threads", type=int, default=1,
                    help="worker threads of our solver (default 1, like the peers)")
    args = ap.parse_args()
    if args.margin is None:
        args.margin = max(10.0, args.seconds / 4)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = [s for s in solvers if s not in SOLVERS]
    if unknown:
        ap.error(f"--solvers: unknown solver(s) {', '.join(unknown)}; choose from {', '.join(SOLVERS)}")
    args.binary = args.binary if args.binary.is_absolute() else (Path.cwd() / args.binary)
    needs_binary = "ours" in solvers or args.checker == "ours"
    if needs_binary and not args.report_only and not os.access(args.binary, os.X_OK):
        ap.error(f"--binary {args.binary}: not an executable (build with `cargo build --release -p sharedtable`)")
    if any(s != "ours" for s in solvers) and not args.report_only and not VENV_PY.exists():
        ap.error(f"{VENV_PY} missing: run `bash bench/freight/setup.sh` first")
    if not (args.bench / "best_known.csv").exists():
        ap.error(f"--bench {args.bench}: no best_known.csv there")
    bks = lilim.read_best_known(args.bench / "best_known.csv")
    todo_inst = instances(args.bench, args.set, args.instances)
    if not todo_inst:
        ap.error("no instance matches --set/--instances")

    wanted = {(f.stem, sv) for _, f in todo_inst for sv in solvers}
    existing = load_rows(args.out) if (args.resume or args.report_only) else []
    kept = [r for r in existing
            if (r["instance"], r["solver"]) in wanted and float(r["seconds_limit"]) == args.seconds]
    done = {(r["instance"], r["solver"]) for r in kept}
    tasks = [] if args.report_only else [
        (s, f, sv) for s, f in todo_inst for sv in solvers if (f.stem, sv) not in done]

    work = args.work or ROOT / "bench" / "out" / "freight" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    rows = list(kept)
    lock = threading.Lock()
    if args.report_only:
        if not rows:
            ap.error(f"--report-only: {args.out} has no rows for this selection and --seconds")
    else:
        work.mkdir(parents=True, exist_ok=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(os.devnull if args.report_only else args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        # --resume keeps every earlier row in the file, also those outside this selection.
        for r in existing:
            w.writerow({k: r.get(k, "") for k in FIELDS})
        f.flush()

        def job(t):
            s, file, sv = t
            try:
                row = run_one(args, s, file, sv, bks, work)
            except Exception as e:  # one broken run must not stop the sweep
                row = {k: "" for k in FIELDS}
                row.update({"set": s, "instance": file.stem, "solver": sv, "seconds_limit": fmt_s(args.seconds),
                            "status": "error", "note": f"harness: {type(e).__name__}: {e}"[:200],
                            "solved": False, "bks_vehicles_hit": False,
                            "bks_vehicles": bks[file.stem][0], "bks_distance": f"{bks[file.stem][1]:.4f}"})
            with lock:
                rows.append(row)
                w.writerow(row)
                f.flush()
                gap = f"gap {row['gap_pct']}%" if row["gap_pct"] != "" else ""
                print(f"[{len(rows)}/{len(kept) + len(tasks)}] {row['instance']:<10} {sv:<8} {row['status']:<8} "
                      f"V={row['vehicles']} D={row['distance']} {gap} {row['seconds']}s "
                      f"(BKS {row['bks_vehicles']}/{row['bks_distance']}) {row['note'][:80]}", flush=True)

        pool = ThreadPoolExecutor(max_workers=args.jobs)
        try:
            list(pool.map(job, tasks))
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            kill_running()
            print(f"interrupted: {len(rows)} rows kept in {rel(args.out)}; continue with --resume", file=sys.stderr)
            return 130
        pool.shutdown()

    argv = ["python3", "bench/freight/run.py"]
    skip = False
    for a in sys.argv[1:]:
        if skip:
            skip = False
            continue
        if a in ("--resume", "--report-only"):
            continue
        if a == "--ours-threads":
            skip = True
            continue
        argv.append(rel(Path(a)) if os.path.isabs(a) else a)
    meta = {
        "command": shlex.join(argv), "out": rel(args.out), "date": today, "seconds": fmt_s(args.seconds),
        "jobs": args.jobs, "nproc": os.cpu_count(), "cpu": cpu_model(),
        "versions": versions(args.binary, solvers),
        "checker": "one checker for all solvers, `sharedtable freight check` (cross-checked by "
        "`bench/freight/lilim.py`)" if args.checker == "ours"
        else "`bench/freight/lilim.py` only (**development run: `freight check` was not used**)",
        "ours_threads": args.ours_threads, "seed": args.seed,
    }
    write_section(args.benchmarks, markdown(rows, solvers, meta))
    print(f"wrote {rel(args.out)} ({len(rows)} rows) and the freight-lilim section of {rel(args.benchmarks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
