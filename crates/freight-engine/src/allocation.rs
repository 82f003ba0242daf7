//! Splitting the pool's savings among members: Shapley value, proportional to stand-alone cost, equal relative savings.
