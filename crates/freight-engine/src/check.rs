//! An independent checker for Li & Lim solutions: capacity, time windows, pairing, precedence and distance.
