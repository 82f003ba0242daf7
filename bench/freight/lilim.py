"""Li & Lim PDPTW instances for the peer adapters and the harness (bench/freight).

Shared by peer_ortools.py, peer_vroom.py, peer_pyvrp.py and run.py. Standard
library only, so the harness runs without the venv.

Rules (/work/shared/bench/README.md, "Conventions used by the best-known values"):
distance is the Euclidean distance in double precision; travel time equals
distance; service is spent at a node before leaving; arriving early waits until
`earliest`; arriving after `latest` is infeasible; load stays within [0, Q];
a pickup and its delivery are on the same route, pickup first; every route
starts and ends at depot 0 and is back by the depot's `latest`. The objective is
hierarchical: fewest vehicles, then least distance.

Integer scaling for solvers that need integers (all three peers do):

* cost of arc (i, j)  = round(SCALE * d(i, j))  -- what the solver minimises;
* time of arc (i, j)  = ceil(SCALE * d(i, j))   -- what the solver schedules with;
* windows and service = SCALE * value           -- exact (they are integers in the files).

Times are rounded *up* so that a route feasible in the solver's integer time
is feasible in double precision: by induction along the route, the integer
start of service at every node is >= SCALE times the real start of service
(each travel term is >= the real one, `max(arrival, earliest)` is monotone, and
service times are exact), so every `start <= latest` that holds in integers holds
in reals. The price is a conservative error of at most 1/SCALE time units per
arc (0.001 for SCALE = 1000), which can only forbid a route whose real slack at
some node is below about 0.001 x (arcs so far); no route is wrongly allowed.
Costs are rounded to nearest, so the solver's distance objective is within
0.0005 per arc of the true one; the reported distance is always recomputed in
double precision from the routes (`route_distance`), never taken from a solver.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

SCALE = 1000
"""Integer units per distance/time unit in the peers' models (see module doc)."""


@dataclass
class Node:
    """One line of a Li & Lim file: id x y demand earliest latest service pickup delivery."""

    id: int
    x: float
    y: float
    demand: int
    earliest: int
    latest: int
    service: int
    pickup_index: int
    delivery_index: int


@dataclass
class Instance:
    """A parsed Li & Lim instance. `nodes[i].id == i`; node 0 is the depot."""

    name: str
    vehicles: int
    capacity: int
    nodes: list[Node]
    pairs: list[tuple[int, int]] = field(default_factory=list)
    """(pickup id, delivery id) for every request, in pickup file order."""

    @property
    def depot(self) -> Node:
        return self.nodes[0]

    def dist(self, i: int, j: int) -> float:
        """Euclidean distance between node i and node j, double precision."""
        a, b = self.nodes[i], self.nodes[j]
        return math.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2)


class InstanceError(ValueError):
    """A Li & Lim file that does not follow the format; the message names file and line."""


def _num(token: str, path: Path, line_no: int, col: int) -> float:
    try:
        return float(token)
    except ValueError:
        raise InstanceError(f"{path}:{line_no}: column {col}: not a number: {token!r}") from None


def _int(token: str, path: Path, line_no: int, col: int) -> int:
    v = _num(token, path, line_no, col)
    if v != int(v):
        raise InstanceError(f"{path}:{line_no}: column {col}: expected an integer, got {token!r}")
    return int(v)


def read_instance(path: str | Path) -> Instance:
    """Parse a Li & Lim file (whitespace separated, CRLF tolerated, blank lines skipped).

    Raises InstanceError naming the file, line and column on malformed input, on
    node ids that do not run 0..n in order, and on pickup/delivery links that do
    not point at each other.
    """
    path = Path(path)
    lines = [(n + 1, ln.split()) for n, ln in enumerate(path.read_text().splitlines())]
    lines = [(n, t) for n, t in lines if t]
    if not lines:
        raise InstanceError(f"{path}: empty file")
    n0, head = lines[0]
    if len(head) < 2:
        raise InstanceError(f"{path}:{n0}: expected 'K Q S' on the first line")
    k = _int(head[0], path, n0, 1)
    q = _int(head[1], path, n0, 2)
    nodes: list[Node] = []
    for n, t in lines[1:]:
        if len(t) != 9:
            raise InstanceError(f"{path}:{n}: expected 9 fields, found {len(t)}")
        node = Node(
            id=_int(t[0], path, n, 1),
            x=_num(t[1], path, n, 2),
            y=_num(t[2], path, n, 3),
            demand=_int(t[3], path, n, 4),
            earliest=_int(t[4], path, n, 5),
            latest=_int(t[5], path, n, 6),
            service=_int(t[6], path, n, 7),
            pickup_index=_int(t[7], path, n, 8),
            delivery_index=_int(t[8], path, n, 9),
        )
        if node.id != len(nodes):
            raise InstanceError(f"{path}:{n}: node id {node.id}, expected {len(nodes)}")
        nodes.append(node)
    if not nodes:
        raise InstanceError(f"{path}: no depot line")
    pairs = []
    for node in nodes[1:]:
        if node.demand > 0 or (node.pickup_index == 0 and node.delivery_index > 0):
            d = node.delivery_index
            if not (0 < d < len(nodes)) or nodes[d].pickup_index != node.id:
                raise InstanceError(
                    f"{path}: pickup {node.id} names delivery {d}, which does not name it back"
                )
            pairs.append((node.id, d))
    paired = {i for p in pairs for i in p}
    for node in nodes[1:]:
        if node.id not in paired:
            raise InstanceError(f"{path}: node {node.id} belongs to no pickup-delivery pair")
    return Instance(name=path.stem, vehicles=k, capacity=q, nodes=nodes, pairs=pairs)


def cost_matrix(inst: Instance) -> list[list[int]]:
    """round(SCALE * distance) for every ordered pair of node ids."""
    n = len(inst.nodes)
    return [[round(SCALE * inst.dist(i, j)) for j in range(n)] for i in range(n)]


def time_matrix(inst: Instance) -> list[list[int]]:
    """ceil(SCALE * distance) for every ordered pair: travel time rounded up (module doc)."""
    n = len(inst.nodes)
    return [[math.ceil(SCALE * inst.dist(i, j)) for j in range(n)] for i in range(n)]


def dominating_vehicle_cost(inst: Instance, cost: list[list[int]]) -> int:
    """A fixed cost per used vehicle that makes the objective vehicles-first.

    Any solution's scaled distance is at most B = sum over customers of their
    longest outgoing arc + K x the depot's longest outgoing arc (each route's
    distance is the depot's outgoing arc plus one outgoing arc per customer).
    With a fixed cost F > B, one vehicle fewer always outweighs any change in
    distance, so minimising F x vehicles + distance is the hierarchical objective.
    Returns B + 1 (about 1e7..1e8 on these instances: fits the peers' integer types).
    """
    bound = sum(max(row) for row in cost[1:]) + inst.vehicles * max(cost[0])
    return bound + 1


def route_distance(inst: Instance, route: list[int]) -> float:
    """Distance of depot -> route... -> depot in double precision."""
    total, prev = 0.0, 0
    for v in route:
        total += inst.dist(prev, v)
        prev = v
    return total + inst.dist(prev, 0)


def solution_json(inst: Instance, routes: list[list[int]], unassigned_reason: str | None = None,
                  extra: dict | None = None) -> dict:
    """The JSON shape `sharedtable freight solve --format json` prints.

    `routes` are node ids in visiting order without the depot; empty routes are
    dropped. Requests not on any route are listed in `unassigned` with
    `unassigned_reason`. `distance` is recomputed in double precision.
    `extra` (solver notes) goes under the key "peer", which the harness strips
    before handing the solution to the checker.
    """
    routes = [list(map(int, r)) for r in routes if r]
    seen = {v for r in routes for v in r}
    unassigned = [
        {"pickup": p, "delivery": d, "reason": unassigned_reason or "not routed by the solver"}
        for p, d in inst.pairs
        if p not in seen and d not in seen
    ]
    out = {
        "vehicles": len(routes),
        "distance": sum(route_distance(inst, r) for r in routes),
        "routes": routes,
        "unassigned": unassigned,
    }
    if extra:
        out["peer"] = extra
    return out


def check(inst: Instance, routes: list[list[int]], eps: float = 1e-6) -> list[str]:
    """Python cross-check of a solution under the benchmark rules; returns violations.

    An empty list means feasible. Checks: ids in range and not the depot; every
    node visited at most once; pickup and delivery of a pair on the same route
    with pickup first; load within [0, Q]; service starts by `latest` at every
    node (waiting until `earliest`); back at the depot by its `latest`.
    Requests on no route are not violations here (the harness counts them
    separately). `eps` absorbs double rounding in the sums (1e-6 time units).
    """
    out: list[str] = []
    n = len(inst.nodes)
    where: dict[int, tuple[int, int]] = {}
    for r, route in enumerate(routes):
        for pos, v in enumerate(route):
            if not (0 < v < n):
                out.append(f"route {r}: node id {v} out of range 1..{n - 1}")
                continue
            if v in where:
                out.append(f"node {v} visited twice (routes {where[v][0]} and {r})")
            where[v] = (r, pos)
    for p, d in inst.pairs:
        if (p in where) != (d in where):
            out.append(f"pair {p}->{d}: only one end is routed")
        elif p in where:
            (rp, ip), (rd, id_) = where[p], where[d]
            if rp != rd:
                out.append(f"pair {p}->{d}: on routes {rp} and {rd}")
            elif ip > id_:
                out.append(f"pair {p}->{d}: delivery before pickup on route {rp}")
    depot = inst.depot
    for r, route in enumerate(routes):
        t, load, prev = float(depot.earliest), 0, 0
        for v in route:
            if not (0 < v < n):
                continue
            node = inst.nodes[v]
            t = max(t + inst.dist(prev, v), float(node.earliest))
            if t > node.latest + eps:
                out.append(f"route {r}: node {v} served at {t:.4f} after latest {node.latest}")
            load += node.demand
            if load > inst.capacity or load < 0:
                out.append(f"route {r}: load {load} at node {v} outside [0, {inst.capacity}]")
            t += node.service
            prev = v
        t += inst.dist(prev, 0)
        if t > depot.latest + eps:
            out.append(f"route {r}: back at depot at {t:.4f} after {depot.latest}")
    return out


def read_best_known(path: str | Path) -> dict[str, tuple[int, float]]:
    """instance -> (vehicles, distance) from best_known.csv (instance,vehicles,distance,source)."""
    import csv

    with open(path, newline="") as f:
        return {row["instance"]: (int(row["vehicles"]), float(row["distance"])) for row in csv.DictReader(f)}


def print_json(obj: dict) -> None:
    print(json.dumps(obj))
