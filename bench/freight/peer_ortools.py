"""OR-Tools routing on a Li & Lim instance; prints the `freight solve --format json` shape.

Usage: .venv/bin/python peer_ortools.py --lilim FILE --seconds N

Model (integer scaling and the fixed vehicle cost: see lilim.py):
* K vehicles from the file, capacity Q, depot 0 with its horizon;
* arc cost round(1000 d); time dimension with transit service(i) + ceil(1000 d),
  waiting allowed (slack up to the horizon), every node's cumul in its window;
* AddPickupAndDelivery + same vehicle + pickup cumul <= delivery cumul;
* a fixed cost per used vehicle that dominates any distance (vehicles first);
* first solution PARALLEL_CHEAPEST_INSERTION, then GUIDED_LOCAL_SEARCH until the
  time limit. OR-Tools' routing search is single-threaded; it is deterministic
  given the time limit, so it takes no seed.
Every request is mandatory (no disjunctions): if no solution is found in time,
every request is reported unassigned with that reason.
"""

from __future__ import annotations

import argparse
import time

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

import lilim


def solve(inst: lilim.Instance, deadline: float) -> dict:
    """Solve `inst`, stopping the search by `deadline` (time.monotonic() seconds)."""
    n, k = len(inst.nodes), inst.vehicles
    cost = lilim.cost_matrix(inst)
    ttime = lilim.time_matrix(inst)
    service = [lilim.SCALE * v.service for v in inst.nodes]
    demand = [v.demand for v in inst.nodes]
    fixed = lilim.dominating_vehicle_cost(inst, cost)

    manager = pywrapcp.RoutingIndexManager(n, k, 0)
    routing = pywrapcp.RoutingModel(manager)

    # Matrices and vectors stay in C++ (RegisterTransitMatrix / RegisterUnaryTransitVector):
    # Python callbacks would slow OR-Tools' search by an order of magnitude.
    cost_idx = routing.RegisterTransitMatrix(cost)
    routing.SetArcCostEvaluatorOfAllVehicles(cost_idx)
    routing.SetFixedCostOfAllVehicles(fixed)

    horizon = lilim.SCALE * inst.depot.latest
    # Transit i -> j = service at i + travel time i -> j (service is spent before leaving).
    time_idx = routing.RegisterTransitMatrix(
        [[service[i] + ttime[i][j] for j in range(n)] for i in range(n)])
    routing.AddDimension(time_idx, horizon, horizon, False, "Time")
    tdim = routing.GetDimensionOrDie("Time")
    for node in inst.nodes[1:]:
        tdim.CumulVar(manager.NodeToIndex(node.id)).SetRange(
            lilim.SCALE * node.earliest, lilim.SCALE * node.latest)
    for v in range(k):
        for idx in (routing.Start(v), routing.End(v)):
            tdim.CumulVar(idx).SetRange(lilim.SCALE * inst.depot.earliest, horizon)

    load_idx = routing.RegisterUnaryTransitVector(demand)
    routing.AddDimensionWithVehicleCapacity(load_idx, 0, [inst.capacity] * k, True, "Load")

    solver = routing.solver()
    for p, d in inst.pairs:
        pi, di = manager.NodeToIndex(p), manager.NodeToIndex(d)
        routing.AddPickupAndDelivery(pi, di)
        solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
        solver.Add(tdim.CumulVar(pi) <= tdim.CumulVar(di))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    # Reading and building counted against the limit: the search gets what is left.
    params.time_limit.FromMilliseconds(max(1, int((deadline - time.monotonic()) * 1000)))

    t0 = time.monotonic()
    sol = routing.SolveWithParameters(params)
    search_s = time.monotonic() - t0
    extra = {"solver": "ortools", "fixed_vehicle_cost": fixed, "search_seconds": round(search_s, 3),
             "status": int(routing.status())}
    if sol is None:
        return lilim.solution_json(inst, [], "OR-Tools found no solution within the time limit", extra)
    routes = []
    for v in range(k):
        idx, route = sol.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(idx):
            route.append(manager.IndexToNode(idx))
            idx = sol.Value(routing.NextVar(idx))
        routes.append(route)
    extra["objective"] = sol.ObjectiveValue()
    return lilim.solution_json(inst, routes, None, extra)


def main() -> None:
    ap = argparse.ArgumentParser(description="OR-Tools on a Li & Lim instance")
    ap.add_argument("--lilim", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    args = ap.parse_args()
    # Reading and model building count against the limit, like every solver's set-up.
    deadline = time.monotonic() + args.seconds
    inst = lilim.read_instance(args.lilim)
    lilim.print_json(solve(inst, deadline))


if __name__ == "__main__":
    main()
