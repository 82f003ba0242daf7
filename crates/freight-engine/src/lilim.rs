//! The Li & Lim PDPTW benchmark: reading instance files and solving them by the benchmark's own rules.
