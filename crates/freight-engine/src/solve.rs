//! Planning: a PlanRequest becomes a vrp-pragmatic problem, is solved, and the solution becomes a Plan with timed stops, loads, miles and cost.
