//! Re-evaluating a route or a plan independently of the solver: timing, loads, miles, cost, and the cost of a coalition's part of a plan.
