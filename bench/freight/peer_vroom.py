"""VROOM (pyvroom) on a Li & Lim instance; prints the `freight solve --format json` shape.

Usage: .venv/bin/python peer_vroom.py --lilim FILE --seconds N

Model (integer scaling and the fixed vehicle cost: see lilim.py):
* every request is a VROOM shipment (pickup step, delivery step, amount [demand]);
  ShipmentStep ids are the Li & Lim node ids;
* K identical vehicles from the file, start and end at the depot, capacity [Q],
  time window = the depot's horizon, VehicleCosts(fixed = dominating cost);
* durations matrix ceil(1000 d), costs matrix round(1000 d) (a custom costs
  matrix replaces VROOM's per-hour cost), service 1000 x service, time windows
  1000 x [earliest, latest];
* solve(exploration_level=5, nb_threads=1, timeout=limit). VROOM stops on its
  own when its search is done, usually well before the limit; it is deterministic.
VROOM may leave shipments unassigned (it prefers serving more); those are listed.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

import numpy as np
import vroom

import lilim


def solve(inst: lilim.Instance, deadline: float) -> dict:
    """Solve `inst`, asking VROOM to stop by `deadline` (time.monotonic() seconds)."""
    cost = lilim.cost_matrix(inst)
    fixed = lilim.dominating_vehicle_cost(inst, cost)
    s = lilim.SCALE
    problem = vroom.Input()
    problem.set_durations_matrix("car", np.asarray(lilim.time_matrix(inst), dtype=np.uint32))
    problem.set_costs_matrix("car", np.asarray(cost, dtype=np.uint32))
    depot = inst.depot
    for v in range(inst.vehicles):
        problem.add_vehicle(vroom.Vehicle(
            id=v, start=0, end=0, profile="car", capacity=[inst.capacity],
            time_window=vroom.TimeWindow(s * depot.earliest, s * depot.latest),
            costs=vroom.VehicleCosts(fixed=fixed)))
    for p, d in inst.pairs:
        pn, dn = inst.nodes[p], inst.nodes[d]
        problem.add_shipment(
            pickup=vroom.ShipmentStep(p, p, default_service=s * pn.service,
                                      time_windows=[vroom.TimeWindow(s * pn.earliest, s * pn.latest)]),
            delivery=vroom.ShipmentStep(d, d, default_service=s * dn.service,
                                        time_windows=[vroom.TimeWindow(s * dn.earliest, s * dn.latest)]),
            amount=vroom.Amount([pn.demand]))
    left_ms = max(1, int((deadline - time.monotonic()) * 1000))
    t0 = time.monotonic()
    sol = problem.solve(exploration_level=5, nb_threads=1, timeout=timedelta(milliseconds=left_ms))
    search_s = time.monotonic() - t0
    out = sol.to_dict()
    routes = [[int(step["id"]) for step in r["steps"] if step["type"] in ("pickup", "delivery")]
              for r in out.get("routes", [])]
    summary = out.get("summary", {})
    extra = {"solver": "vroom", "fixed_vehicle_cost": fixed, "search_seconds": round(search_s, 3),
             "summary_cost": summary.get("cost"), "unassigned": summary.get("unassigned")}
    return lilim.solution_json(inst, routes, "left unassigned by VROOM", extra)


def main() -> None:
    ap = argparse.ArgumentParser(description="VROOM on a Li & Lim instance")
    ap.add_argument("--lilim", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    args = ap.parse_args()
    deadline = time.monotonic() + args.seconds
    inst = lilim.read_instance(args.lilim)
    lilim.print_json(solve(inst, deadline))


if __name__ == "__main__":
    main()
