"""PyVRP on a Li & Lim instance; prints the `freight solve --format json` shape.

Usage: .venv/bin/python peer_pyvrp.py --lilim FILE --seconds N [--seed 1]

PyVRP 0.14 models pickup-and-delivery natively: `Model.add_shipment` /
`pyvrp.Shipment(pickup_location, delivery_location, tw/service per end, amount)`,
and its routes list PICKUP/DELIVERY activities by shipment index (checked against
the installed 0.14.1: pyvrp/Model.py, pyvrp/_pyvrp.pyi, ActivityType). The same
data is built here directly as a ProblemData (one Location per Li & Lim node,
one Shipment per request, no plain clients), which is what Model.data() builds.

Model (integer scaling and the fixed vehicle cost: see lilim.py):
* distance matrix round(1000 d) (the cost), duration matrix ceil(1000 d);
* one depot with the horizon as its window; one vehicle type with K vehicles,
  capacity [Q], shift [earliest, latest] x 1000, fixed_cost = dominating cost,
  unit_distance_cost 1, unit_duration_cost 0;
* pyvrp.solve(..., stop=MaxRuntime(time left), seed). PyVRP is single-threaded.
If PyVRP's best solution is infeasible (penalised time warp or load), its routes
are still printed and the harness's checker reports the violations.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

import lilim


def build(inst: lilim.Instance) -> tuple[pyvrp.ProblemData, int]:
    """ProblemData for `inst` (location index == Li & Lim node id) and the fixed vehicle cost."""
    s = lilim.SCALE
    cost = lilim.cost_matrix(inst)
    fixed = lilim.dominating_vehicle_cost(inst, cost)
    depot = inst.depot
    locations = [pyvrp.Location(x=n.x, y=n.y, name=str(n.id))
                 for n in inst.nodes]
    shipments = []
    for p, d in inst.pairs:
        pn, dn = inst.nodes[p], inst.nodes[d]
        shipments.append(pyvrp.Shipment(
            pickup_location=p, delivery_location=d,
            pickup_tw_early=s * pn.earliest, pickup_tw_late=s * pn.latest,
            pickup_service_duration=s * pn.service,
            delivery_tw_early=s * dn.earliest, delivery_tw_late=s * dn.latest,
            delivery_service_duration=s * dn.service,
            amount=[pn.demand], name=f"{p}-{d}"))
    vehicle_type = pyvrp.VehicleType(
        num_available=inst.vehicles, capacity=[inst.capacity], fixed_cost=fixed,
        tw_early=s * depot.earliest, tw_late=s * depot.latest,
        unit_distance_cost=1, unit_duration_cost=0)
    data = pyvrp.ProblemData(
        locations=locations, clients=[],
        depots=[pyvrp.Depot(location=0, tw_early=s * depot.earliest, tw_late=s * depot.latest)],
        vehicle_types=[vehicle_type],
        distance_matrices=[np.asarray(cost, dtype=np.int64)],
        duration_matrices=[np.asarray(lilim.time_matrix(inst), dtype=np.int64)],
        groups=[], shipments=shipments)
    return data, fixed


def solve(inst: lilim.Instance, deadline: float, seed: int) -> dict:
    """Solve `inst` with PyVRP, stopping by `deadline` (time.monotonic() seconds)."""
    data, fixed = build(inst)
    t0 = time.monotonic()
    result = pyvrp.solve(data, stop=MaxRuntime(max(0.001, deadline - time.monotonic())),
                         seed=seed, collect_stats=False, display=False)
    search_s = time.monotonic() - t0
    best = result.best
    routes = []
    for route in best.routes():
        nodes = []
        for act in route.schedule():
            if act.is_pickup():
                nodes.append(inst.pairs[act.idx][0])
            elif act.is_delivery():
                nodes.append(inst.pairs[act.idx][1])
            elif act.is_client():
                raise RuntimeError("PyVRP returned a client visit; the model has none")
        routes.append(nodes)
    extra = {"solver": "pyvrp", "fixed_vehicle_cost": fixed, "search_seconds": round(search_s, 3),
             "seed": seed, "pyvrp_feasible": bool(best.is_feasible()),
             "objective": int(result.cost()) if best.is_feasible() else None,
             "iterations": int(result.num_iterations)}
    return lilim.solution_json(inst, routes, "left unplanned by PyVRP", extra)


def main() -> None:
    ap = argparse.ArgumentParser(description="PyVRP on a Li & Lim instance")
    ap.add_argument("--lilim", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    deadline = time.monotonic() + args.seconds
    inst = lilim.read_instance(args.lilim)
    lilim.print_json(solve(inst, deadline, args.seed))


if __name__ == "__main__":
    main()
