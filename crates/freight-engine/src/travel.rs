//! Travel between places: great-circle miles times a road circuity factor at an average speed, or a user-supplied matrix.
