//! Splitting the pool's savings among members.
//!
//! **The game.** Each member `i` has a stand-alone cost `a_i` (the sum of its shipments'
//! going-alone costs, see [`crate::baseline`]). The caller supplies `c(S)`, the pooled cost of
//! serving only the shipments of the members in coalition `S` (the app passes a function backed
//! by the plan's routes). The value of a coalition is its savings
//! `v(S) = Σ_{i∈S} a_i − c(S)`, with `v(∅) = 0` (the empty coalition ships nothing and pays
//! nothing; `c` is never called for it). The total savings to split are `v(N)`.
//!
//! **Methods.**
//! - [`AllocationMethod::Shapley`]: the Shapley value (L. S. Shapley, "A value for n-person
//!   games", 1953): each member gets its marginal savings `v(S ∪ {i}) − v(S)` averaged over
//!   every order in which the members could join. Exact over all `2^n` coalitions for
//!   `n ≤` [`EXACT_SHAPLEY_MAX_MEMBERS`] (each `c(S)` evaluated once), in exact integer
//!   arithmetic; beyond that estimated from [`SHAPLEY_PERMUTATIONS`] random orders (the
//!   permutation sampling of Castro, Gómez and Tejada, "Polynomial calculation of the Shapley
//!   value based on sampling", Computers & Operations Research 36(5), 2009), with a seeded
//!   ChaCha8 generator so a seed gives the same split everywhere, and each share's standard
//!   error reported.
//! - [`AllocationMethod::ProportionalToStandAlone`]: savings in proportion to stand-alone
//!   cost, so every member saves the same percentage.
//! - [`AllocationMethod::EqualRelativeSavings`]: the Equal Profit Method of Frisk,
//!   Göthe-Lundgren, Jörnsten and Rönnqvist ("Cost allocation in collaborative forest
//!   transportation", European Journal of Operational Research 205(2), 2010, pp. 448-458),
//!   discussed for freight collaborations by Dahlberg, Engevall, Göthe-Lundgren, Jörnsten and
//!   Rönnqvist ("Incitements for transportation collaboration by cost allocation", Central
//!   European Journal of Operations Research 27, 2019): make the members' relative savings
//!   `s_i / a_i` as equal as possible (minimize the largest difference between two members'
//!   relative savings) subject to the savings adding up to `v(N)` and no coalition getting less
//!   than it would save on its own (`Σ_{i∈S} s_i ≥ v(S)`, the core). Without the coalition
//!   constraints its answer would simply be the proportional split; with them it departs from
//!   proportional only as far as some group's own savings force it to. It is a linear program,
//!   solved with the `microlp` crate. We add `s_i ≥ 0` (nobody pays more than going alone)
//!   whenever the total savings are not negative. When no split meets every coalition
//!   constraint (an empty core), the constraints are relaxed by the least amount `ε` that makes
//!   them feasible (the least core, Maschler, Peleg and Shapley 1979) and the relaxation is
//!   reported. Coalition constraints: every coalition for `n ≤` [`EXACT_SHAPLEY_MAX_MEMBERS`];
//!   beyond that single members, pairs, and all-but-one coalitions only (said in the notes).
//!
//! **Cents.** Shares add up to the total savings to the cent. Each method first computes exact
//! (Shapley, proportional) or floating-point (sampled Shapley, equal relative savings) shares;
//! every share is rounded down to a whole cent and the leftover cents (fewer than the number of
//! members) go one each to the members with the largest dropped fractions, the earlier member
//! in the input first on ties (the largest remainder method).

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::baseline::dollars;
use crate::model::InputError;

/// Up to this many members the Shapley value is exact (`2^12 = 4,096` coalition costs).
pub const EXACT_SHAPLEY_MAX_MEMBERS: usize = 12;
/// Random member orders the sampled Shapley value draws (beyond [`EXACT_SHAPLEY_MAX_MEMBERS`]
/// members), each costing at most `n` coalition-cost evaluations (fewer with the cache). With
/// 2,000 orders a share's standard error is about 2.2% of the spread of that member's marginal
/// savings.
pub const SHAPLEY_PERMUTATIONS: u32 = 2_000;

/// How the savings are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationMethod {
    Shapley,
    ProportionalToStandAlone,
    EqualRelativeSavings,
}

impl AllocationMethod {
    /// Plain name for sentences: "the Shapley split".
    pub fn label(self) -> &'static str {
        match self {
            AllocationMethod::Shapley => "Shapley",
            AllocationMethod::ProportionalToStandAlone => "proportional",
            AllocationMethod::EqualRelativeSavings => "equal-relative-savings",
        }
    }
}

/// One member and what its shipments cost going alone, cents (not negative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCost {
    pub member: String,
    pub stand_alone_cents: i64,
}

/// One member's part of the split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub member: String,
    pub stand_alone_cents: i64,
    /// The member's share of the savings (negative: it pays more than going alone).
    pub savings_cents: i64,
    /// What the member pays: `stand_alone_cents − savings_cents`.
    pub pays_cents: i64,
    /// `savings / stand_alone × 100`; 0 when the stand-alone cost is 0.
    pub savings_pct: f64,
}

/// How a sampled Shapley value was estimated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sampling {
    /// Random member orders drawn.
    pub permutations: u32,
    pub seed: u64,
    /// Standard error of each member's estimated share, cents, in the order of `shares`: the
    /// sample standard deviation of its marginal savings over the orders, divided by the square
    /// root of the number of orders.
    pub standard_error_cents: Vec<f64>,
    /// The largest of `standard_error_cents`.
    pub max_standard_error_cents: f64,
}

/// The split of the savings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    pub method: AllocationMethod,
    /// `Σ a_i`.
    pub total_stand_alone_cents: i64,
    /// `c(N)`, the pooled plan's cost.
    pub pooled_cost_cents: i64,
    /// `Σ a_i − c(N)`; equals the sum of `shares[].savings_cents` exactly.
    pub total_savings_cents: i64,
    /// One per member, in input order.
    pub shares: Vec<Share>,
    /// Set when the Shapley value was estimated by sampling.
    pub sampling: Option<Sampling>,
    /// What the split guarantees and what was checked, in plain words.
    pub guarantees: Vec<String>,
    /// Members who would pay more than going alone, named, in plain words; empty when nobody
    /// does.
    pub violations: Vec<String>,
}

/// Coalition costs with a cache: each coalition's cost is asked of the caller at most once.
struct Game<'a> {
    stand_alone: Vec<i64>,
    cost_fn: &'a dyn Fn(&[bool]) -> i64,
    cache: HashMap<Vec<u64>, i64>,
}

impl<'a> Game<'a> {
    fn n(&self) -> usize {
        self.stand_alone.len()
    }

    fn cost(&mut self, mask: &[bool]) -> i64 {
        if !mask.iter().any(|m| *m) {
            return 0;
        }
        let mut key = vec![0u64; mask.len().div_ceil(64)];
        for (i, m) in mask.iter().enumerate() {
            if *m {
                key[i / 64] |= 1 << (i % 64);
            }
        }
        if let Some(c) = self.cache.get(&key) {
            return *c;
        }
        let c = (self.cost_fn)(mask);
        self.cache.insert(key, c);
        c
    }

    /// `v(S) = Σ_{i∈S} a_i − c(S)`.
    fn value(&mut self, mask: &[bool]) -> i64 {
        let alone: i64 = mask.iter().zip(&self.stand_alone).filter(|(m, _)| **m).map(|(_, a)| *a).fold(0i64, |s, a| s.saturating_add(a));
        alone.saturating_sub(self.cost(mask))
    }

    fn mask_of(&self, members: &[usize]) -> Vec<bool> {
        let mut m = vec![false; self.n()];
        for &i in members {
            m[i] = true;
        }
        m
    }
}

/// Round shares given as `numerators[i] / denominator` (denominator > 0) to whole cents adding
/// up to `total`: floor each, then hand out the leftover cents one at a time to the largest
/// remainders (earlier member first on ties). If the exact shares do not add up to `total`
/// (floating-point input), the leftover may be negative or exceed the number of members; the
/// same rule then takes cents from the smallest remainders or goes round again.
fn round_to_total(numerators: &[i128], denominator: i128, total: i64) -> Vec<i64> {
    let n = numerators.len();
    if n == 0 {
        return Vec::new();
    }
    let mut out: Vec<i64> = numerators.iter().map(|x| x.div_euclid(denominator).clamp(i64::MIN as i128, i64::MAX as i128) as i64).collect();
    let rems: Vec<i128> = numerators.iter().map(|x| x.rem_euclid(denominator)).collect();
    let mut order: Vec<usize> = (0..n).collect();
    // Largest remainder first; the sort is stable, so earlier members win ties.
    order.sort_by(|a, b| rems[*b].cmp(&rems[*a]));
    let mut leftover = i128::from(total) - out.iter().map(|v| i128::from(*v)).sum::<i128>();
    let mut k = 0usize;
    while leftover > 0 {
        out[order[k % n]] += 1;
        leftover -= 1;
        k += 1;
    }
    let mut k = 0usize;
    while leftover < 0 {
        out[order[n - 1 - (k % n)]] -= 1;
        leftover += 1;
        k += 1;
    }
    out
}

/// Floating-point shares (cents) to whole cents adding up to `total`, by [`round_to_total`] on
/// millionths of a cent.
fn round_f64_to_total(shares: &[f64], total: i64) -> Vec<i64> {
    const SCALE: f64 = 1_000_000.0;
    let nums: Vec<i128> = shares.iter().map(|s| if s.is_finite() { (s * SCALE).round() as i128 } else { 0 }).collect();
    round_to_total(&nums, SCALE as i128, total)
}

fn check_members(members: &[MemberCost]) -> Result<(), Vec<InputError>> {
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    for (i, m) in members.iter().enumerate() {
        if m.stand_alone_cents < 0 {
            errors.push(InputError {
                shipment_id: None,
                field: format!("members[{i}].stand_alone_cents"),
                reason: format!("{}: a stand-alone cost cannot be negative, got {}", m.member, m.stand_alone_cents),
            });
        }
        if let Some(first) = seen.insert(m.member.as_str(), i) {
            errors.push(InputError {
                shipment_id: None,
                field: format!("members[{i}].member"),
                reason: format!("{} is listed twice (also at members[{first}]); give each member one line with the sum of its shipments", m.member),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Split the savings of the pooled plan among `members` by `method`.
///
/// `coalition_cost_cents(mask)` is the pooled cost, cents, of serving only the shipments of the
/// members whose `mask[i]` is true (`mask.len() == members.len()`); it is called at most once
/// per coalition, never for the empty one. Shapley with up to 12 members calls it for every
/// coalition (4,095 calls for 12); sampled Shapley at most `n × SHAPLEY_PERMUTATIONS` times;
/// equal relative savings for every coalition up to 12 members, else for single members,
/// pairs and all-but-one groups. Whatever the method, the result also says whether some group
/// of members would save more on its own than the split gives it, which asks for the same
/// coalitions (so every method costs up to 4,095 calls with 12 members).
/// `seed` drives the sampled Shapley value only.
///
/// Errors: a negative stand-alone cost or a member listed twice, naming `members[i]`.
pub fn allocate(
    members: &[MemberCost],
    coalition_cost_cents: &dyn Fn(&[bool]) -> i64,
    method: AllocationMethod,
    seed: u64,
) -> Result<Allocation, Vec<InputError>> {
    allocate_with(members, coalition_cost_cents, method, seed, SHAPLEY_PERMUTATIONS)
}

/// The Shapley value estimated from `permutations` random member orders, whatever the number
/// of members (what [`allocate`] does beyond 12 members, with a chosen number of orders).
/// At least 2 orders are drawn so a standard error exists.
pub fn shapley_sampled(
    members: &[MemberCost],
    coalition_cost_cents: &dyn Fn(&[bool]) -> i64,
    permutations: u32,
    seed: u64,
) -> Result<Allocation, Vec<InputError>> {
    check_members(members)?;
    let mut game = Game { stand_alone: members.iter().map(|m| m.stand_alone_cents).collect(), cost_fn: coalition_cost_cents, cache: HashMap::new() };
    let (total, pooled) = totals(&mut game);
    let (raw, sampling) = sampled_shapley_raw(&mut game, permutations.max(2), seed);
    let savings = round_f64_to_total(&raw, total);
    Ok(finish(members, &mut game, AllocationMethod::Shapley, total, pooled, savings, Some(sampling), Vec::new()))
}

fn allocate_with(
    members: &[MemberCost],
    coalition_cost_cents: &dyn Fn(&[bool]) -> i64,
    method: AllocationMethod,
    seed: u64,
    permutations: u32,
) -> Result<Allocation, Vec<InputError>> {
    check_members(members)?;
    let mut game = Game { stand_alone: members.iter().map(|m| m.stand_alone_cents).collect(), cost_fn: coalition_cost_cents, cache: HashMap::new() };
    let n = game.n();
    let (total, pooled) = totals(&mut game);
    let mut notes = Vec::new();
    let (savings, sampling) = match method {
        AllocationMethod::Shapley if n <= EXACT_SHAPLEY_MAX_MEMBERS => {
            let (nums, den) = exact_shapley(&mut game);
            notes.push(format!("Exact Shapley value over all {} groups of members.", (1u64 << n).saturating_sub(1)));
            (round_to_total(&nums, den, total), None)
        }
        AllocationMethod::Shapley => {
            let (raw, sampling) = sampled_shapley_raw(&mut game, permutations.max(2), seed);
            (round_f64_to_total(&raw, total), Some(sampling))
        }
        AllocationMethod::ProportionalToStandAlone => (proportional(&game.stand_alone, total, &mut notes), None),
        AllocationMethod::EqualRelativeSavings => (equal_relative_savings(&mut game, total, &mut notes), None),
    };
    Ok(finish(members, &mut game, method, total, pooled, savings, sampling, notes))
}

fn totals(game: &mut Game<'_>) -> (i64, i64) {
    let all = vec![true; game.n()];
    let pooled = game.cost(&all);
    (game.value(&all), pooled)
}

/// Exact Shapley shares as `numerators / n!`:
/// `φ_i = Σ_{S ⊆ N∖{i}} |S|! (n−|S|−1)! / n! · (v(S ∪ {i}) − v(S))`, in i128.
fn exact_shapley(game: &mut Game<'_>) -> (Vec<i128>, i128) {
    let n = game.n();
    if n == 0 {
        return (Vec::new(), 1);
    }
    let fact: Vec<i128> = (0..=n).scan(1i128, |f, k| {
        if k > 0 {
            *f *= k as i128;
        }
        Some(*f)
    }).collect();
    let count = 1usize << n;
    let mut values = vec![0i64; count];
    let mut mask = vec![false; n];
    for (bits, value) in values.iter_mut().enumerate().skip(1) {
        for (i, m) in mask.iter_mut().enumerate() {
            *m = bits & (1 << i) != 0;
        }
        *value = game.value(&mask);
    }
    let mut nums = vec![0i128; n];
    for (bits, &v_s) in values.iter().enumerate() {
        let size = bits.count_ones() as usize;
        for (i, num) in nums.iter_mut().enumerate() {
            if bits & (1 << i) == 0 {
                let weight = fact[size] * fact[n - size - 1];
                *num += weight * (i128::from(values[bits | (1 << i)]) - i128::from(v_s));
            }
        }
    }
    (nums, fact[n])
}

/// Sampled Shapley shares (cents, floating point) and the sampling report.
fn sampled_shapley_raw(game: &mut Game<'_>, permutations: u32, seed: u64) -> (Vec<f64>, Sampling) {
    let n = game.n();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..n).collect();
    // Welford's running mean and sum of squared deviations per member.
    let mut mean = vec![0.0f64; n];
    let mut m2 = vec![0.0f64; n];
    for k in 1..=permutations {
        order.shuffle(&mut rng);
        let mut mask = vec![false; n];
        let mut before = 0i64;
        for &i in &order {
            mask[i] = true;
            let after = game.value(&mask);
            let x = after.saturating_sub(before) as f64;
            before = after;
            let d = x - mean[i];
            mean[i] += d / f64::from(k);
            m2[i] += d * (x - mean[i]);
        }
    }
    let m = f64::from(permutations);
    let se: Vec<f64> = m2.iter().map(|s| (s / (m - 1.0)).max(0.0).sqrt() / m.sqrt()).collect();
    let max = se.iter().copied().fold(0.0, f64::max);
    (mean, Sampling { permutations, seed, standard_error_cents: se, max_standard_error_cents: max })
}

/// Savings in proportion to stand-alone cost, exactly: `total × a_i / Σ a` rounded to cents.
/// With every stand-alone cost 0 the total is split equally (and said so).
fn proportional(stand_alone: &[i64], total: i64, notes: &mut Vec<String>) -> Vec<i64> {
    let sum: i128 = stand_alone.iter().map(|a| i128::from(*a)).sum();
    if sum == 0 {
        if !stand_alone.is_empty() {
            notes.push("Every stand-alone cost is zero, so the total is split equally.".into());
        }
        let nums = vec![i128::from(total); stand_alone.len()];
        return round_to_total(&nums, stand_alone.len().max(1) as i128, total);
    }
    let nums: Vec<i128> = stand_alone.iter().map(|a| i128::from(total) * i128::from(*a)).collect();
    round_to_total(&nums, sum, total)
}

/// The coalitions whose constraints are checked: all of them up to 12 members, else single
/// members, pairs and all-but-one.
fn coalition_family(n: usize) -> Vec<Vec<usize>> {
    if n <= EXACT_SHAPLEY_MAX_MEMBERS {
        return (1..(1usize << n).saturating_sub(1)).map(|bits| (0..n).filter(|i| bits & (1 << i) != 0).collect()).collect();
    }
    let mut out: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    for i in 0..n {
        for j in i + 1..n {
            out.push(vec![i, j]);
        }
    }
    for i in 0..n {
        out.push((0..n).filter(|k| *k != i).collect());
    }
    out
}

fn family_words(n: usize) -> &'static str {
    if n <= EXACT_SHAPLEY_MAX_MEMBERS {
        "every group of members"
    } else {
        "every single member, every pair and every group of all members but one (not every group: there are too many)"
    }
}

/// The Equal Profit Method (see the module documentation), falling back to the proportional
/// split (which it equals without coalition constraints) if the linear program cannot be
/// solved, with a note.
fn equal_relative_savings(game: &mut Game<'_>, total: i64, notes: &mut Vec<String>) -> Vec<i64> {
    use microlp::{ComparisonOp, OptimizationDirection, Problem};
    let n = game.n();
    let sa = game.stand_alone.clone();
    let sum: i64 = sa.iter().sum();
    if n == 0 {
        return Vec::new();
    }
    if sum == 0 {
        return proportional(&sa, total, notes);
    }
    let family = coalition_family(n);
    let rhs: Vec<f64> = family.iter().map(|s| game.value(&game.mask_of(s)) as f64 / sum as f64).collect();
    let weight: Vec<f64> = sa.iter().map(|a| *a as f64 / sum as f64).collect();
    let positive: Vec<usize> = (0..n).filter(|i| sa[*i] > 0).collect();
    let total_scaled = total as f64 / sum as f64;
    let individual_floor = total >= 0;

    // Phase 1 (least core): the smallest relaxation eps >= 0 of the coalition constraints
    // that admits a split. Phase 2: minimize the spread f of relative savings at that eps.
    let build = |phase_one: bool, eps: f64| {
        let mut p = Problem::new(OptimizationDirection::Minimize);
        let lower = if individual_floor { 0.0 } else { f64::NEG_INFINITY };
        let r: Vec<_> = (0..n).map(|_| p.add_var(0.0, (lower, f64::INFINITY))).collect();
        let e = p.add_var(if phase_one { 1.0 } else { 0.0 }, if phase_one { (0.0, f64::INFINITY) } else { (eps, eps) });
        let f = p.add_var(if phase_one { 0.0 } else { 1.0 }, (0.0, f64::INFINITY));
        // Members with no stand-alone cost get no savings: r_i is theirs only nominally.
        for i in (0..n).filter(|i| sa[*i] == 0) {
            p.add_constraint([(r[i], 1.0)], ComparisonOp::Eq, 0.0);
        }
        let all: Vec<_> = (0..n).map(|i| (r[i], weight[i])).collect();
        p.add_constraint(all.as_slice(), ComparisonOp::Eq, total_scaled);
        for (s, v) in family.iter().zip(&rhs) {
            let mut terms: Vec<_> = s.iter().filter(|i| sa[**i] > 0).map(|i| (r[*i], weight[*i])).collect();
            terms.push((e, 1.0));
            p.add_constraint(terms.as_slice(), ComparisonOp::Ge, *v);
        }
        if !phase_one {
            for &i in &positive {
                for &j in &positive {
                    if i != j {
                        p.add_constraint([(r[i], 1.0), (r[j], -1.0), (f, -1.0)], ComparisonOp::Le, 0.0);
                    }
                }
            }
        }
        (p, r, e)
    };
    let solve = |phase_one: bool, eps: f64| -> Result<(Vec<f64>, f64), String> {
        let (p, r, e) = build(phase_one, eps);
        let sol = p.solve().map_err(|e| e.to_string())?.into_solution().map_err(|_| "the solver stopped early".to_string())?;
        Ok((r.iter().map(|v| sol.var_value(*v)).collect(), sol.var_value(e)))
    };
    let fallback = |notes: &mut Vec<String>, why: String| {
        notes.push(format!("The equal-relative-savings linear program could not be solved ({why}); the proportional split is shown instead, which is what equal relative savings gives without the group constraints."));
        proportional(&sa, total, notes)
    };
    let eps = match solve(true, 0.0) {
        Ok((_, eps)) => eps,
        Err(why) => return fallback(notes, why),
    };
    // A relaxation below a thousandth of a cent per dollar of stand-alone cost is numerical
    // noise: treat as zero.
    let eps = if eps < 1e-9 { 0.0 } else { eps * (1.0 + 1e-9) + 1e-12 };
    let r = match solve(false, eps) {
        Ok((r, _)) => r,
        Err(why) => return fallback(notes, why),
    };
    notes.push(format!(
        "Equal relative savings (Equal Profit Method, Frisk et al. 2010): every member's percentage saving is made as equal as possible while no group saves less than it would on its own; groups checked: {}.",
        family_words(n)
    ));
    if eps > 0.0 {
        notes.push(format!(
            "No split gives every group at least its own savings (the core is empty), so each group's claim was relaxed by the least amount that allows a split: {}.",
            dollars((eps * sum as f64).round() as i64)
        ));
    }
    // The solver meets bounds to within 1e-7; do not let that tolerance dip a share below zero.
    let raw: Vec<f64> = (0..n).map(|i| if individual_floor { r[i].max(0.0) } else { r[i] } * sa[i] as f64).collect();
    round_f64_to_total(&raw, total)
}

/// Names of members, "A, B and C".
fn names(members: &[MemberCost], idx: &[usize]) -> String {
    let v: Vec<&str> = idx.iter().map(|i| members[*i].member.as_str()).collect();
    match v.len() {
        0 => String::new(),
        1 => v[0].to_string(),
        k => format!("{} and {}", v[..k - 1].join(", "), v[k - 1]),
    }
}

#[allow(clippy::too_many_arguments)]
fn finish(
    members: &[MemberCost],
    game: &mut Game<'_>,
    method: AllocationMethod,
    total: i64,
    pooled: i64,
    savings: Vec<i64>,
    sampling: Option<Sampling>,
    mut notes: Vec<String>,
) -> Allocation {
    let n = members.len();
    let total_stand_alone: i64 = members.iter().map(|m| m.stand_alone_cents).sum();
    let shares: Vec<Share> = members
        .iter()
        .zip(&savings)
        .map(|(m, s)| Share {
            member: m.member.clone(),
            stand_alone_cents: m.stand_alone_cents,
            savings_cents: *s,
            pays_cents: m.stand_alone_cents - s,
            savings_pct: if m.stand_alone_cents == 0 { 0.0 } else { *s as f64 / m.stand_alone_cents as f64 * 100.0 },
        })
        .collect();
    let label = method.label();
    let mut guarantees = vec![
        "Shares add up to the total savings to the cent: each share is rounded down to a cent and the leftover cents go one each to the members with the largest dropped fractions (earlier members first on ties).".to_string(),
    ];
    guarantees.append(&mut notes);
    let mut violations = Vec::new();
    if total < 0 {
        violations.push(format!(
            "The pooled plan costs {} more than everyone shipping alone ({} against {}): there are no savings to share.",
            dollars(-total),
            dollars(pooled),
            dollars(total_stand_alone)
        ));
    }
    match method {
        AllocationMethod::Shapley => {
            guarantees.push("Members who change nothing for any group get nothing, and members who add the same to every group get the same (up to a cent of rounding).".into());
            if let Some(s) = &sampling {
                guarantees.push(format!(
                    "With {n} members the Shapley value is estimated from {} random orders of joining (seed {}), not computed exactly; the largest standard error of a share is {}.",
                    s.permutations,
                    s.seed,
                    dollars(s.max_standard_error_cents.round() as i64)
                ));
            }
            if n <= EXACT_SHAPLEY_MAX_MEMBERS {
                // Every marginal saving >= 0 <=> no member's shipments ever add more to a
                // group's pooled cost than they cost alone <=> every Shapley share >= 0.
                let mut worst: Option<(usize, i64)> = None;
                for bits in 0..(1usize << n) {
                    let mask: Vec<bool> = (0..n).map(|k| bits & (1 << k) != 0).collect();
                    let v_s = game.value(&mask);
                    for i in (0..n).filter(|i| !mask[*i]) {
                        let mut with = mask.clone();
                        with[i] = true;
                        let marginal = game.value(&with) - v_s;
                        if marginal < 0 && worst.is_none_or(|(_, w)| marginal < w) {
                            worst = Some((i, marginal));
                        }
                    }
                }
                match worst {
                    None => guarantees.push("Nobody pays more than going alone: no member's shipments ever add more to a group's pooled cost than they cost shipped alone, so every Shapley share is at least zero.".into()),
                    Some((i, m)) => guarantees.push(format!(
                        "The Shapley split cannot guarantee that nobody pays more than going alone for this plan: adding {}'s shipments to some group raises its pooled cost by {} more than they cost shipped alone.",
                        members[i].member,
                        dollars(-m)
                    )),
                }
            } else {
                guarantees.push("The Shapley split guarantees nobody pays more than going alone only when no member's shipments ever add more to a group's pooled cost than they cost alone; with this many members that was not checked for every group, so each share is checked below.".into());
            }
        }
        AllocationMethod::ProportionalToStandAlone => {
            if total_stand_alone > 0 {
                guarantees.push(format!("Everyone saves the same percentage of its stand-alone cost: {:.1}%.", total as f64 / total_stand_alone as f64 * 100.0));
            }
            if total >= 0 {
                guarantees.push("Nobody pays more than going alone, because the total savings are not negative.".into());
            }
        }
        AllocationMethod::EqualRelativeSavings => {
            if total >= 0 {
                guarantees.push("Nobody pays more than going alone: that is a constraint of the split when the total savings are not negative.".into());
            }
        }
    }
    // Does some group get less than it would save on its own? (beyond rounding: a cent a member)
    let mut worst_group: Option<(Vec<usize>, i64, i64)> = None;
    for s in coalition_family(n) {
        let own = game.value(&game.mask_of(&s));
        let given: i64 = s.iter().map(|i| savings[*i]).sum();
        let short = own - given;
        if short >= s.len() as i64 && worst_group.as_ref().is_none_or(|(_, o, g)| short > o - g) {
            worst_group = Some((s, own, given));
        }
    }
    match worst_group {
        None if n > 1 => guarantees.push(format!(
            "No group of members would save more by pooling only among themselves (their own stops of the same routes) than this split gives the group together (checked for {}).",
            family_words(n)
        )),
        None => {}
        Some((s, own, given)) => guarantees.push(format!(
            "{} {} save {} on {} own but {} {} under the {label} split.",
            names(members, &s),
            if s.len() == 1 { "would" } else { "would together" },
            dollars(own),
            if s.len() == 1 { "its" } else { "their" },
            if s.len() == 1 { "gets" } else { "get" },
            dollars(given)
        )),
    }
    let what = if sampling.is_some() { "the sampled Shapley estimate".to_string() } else { format!("the {label} split") };
    for sh in &shares {
        if sh.savings_cents < 0 {
            violations.push(format!("{} would pay {} more than shipping alone under {what}.", sh.member, dollars(-sh.savings_cents)));
        }
    }
    Allocation {
        method,
        total_stand_alone_cents: total_stand_alone,
        pooled_cost_cents: pooled,
        total_savings_cents: total,
        shares,
        sampling,
        guarantees,
        violations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn members(names_costs: &[(&str, i64)]) -> Vec<MemberCost> {
        names_costs.iter().map(|(m, a)| MemberCost { member: m.to_string(), stand_alone_cents: *a }).collect()
    }

    fn bits(mask: &[bool]) -> usize {
        mask.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| 1 << i).sum()
    }

    /// Three members, stand-alone $100, $200, $300, each served alone by the pool at the same
    /// cost (v({i}) = 0); pairs and all pooled cheaper.
    fn three() -> (Vec<MemberCost>, impl Fn(&[bool]) -> i64) {
        let m = members(&[("Alpha", 10_000), ("Beta", 20_000), ("Gamma", 30_000)]);
        let c = |mask: &[bool]| match bits(mask) {
            0b001 => 10_000,
            0b010 => 20_000,
            0b100 => 30_000,
            0b011 => 24_000,
            0b101 => 33_000,
            0b110 => 40_000,
            0b111 => 45_000,
            _ => 0,
        };
        (m, c)
    }

    fn savings(a: &Allocation) -> Vec<i64> {
        a.shares.iter().map(|s| s.savings_cents).collect()
    }

    #[test]
    fn shapley_of_a_three_member_game_by_hand() {
        let (m, c) = three();
        let a = allocate(&m, &c, AllocationMethod::Shapley, 1).unwrap();
        // v(AB) = 6000, v(AC) = 7000, v(BC) = 10000, v(ABC) = 15000 cents; singletons 0.
        // φ_A = 1/6·6000 + 1/6·7000 + 1/3·(15000−10000) = 3833⅓
        // φ_B = 1/6·6000 + 1/6·10000 + 1/3·(15000−7000) = 5333⅓
        // φ_C = 1/6·7000 + 1/6·10000 + 1/3·(15000−6000) = 5833⅓
        // Floors add to 14,999; the leftover cent goes to Alpha (equal thirds, first on ties).
        assert_eq!(savings(&a), [3834, 5333, 5833]);
        assert_eq!((a.total_stand_alone_cents, a.pooled_cost_cents, a.total_savings_cents), (60_000, 45_000, 15_000));
        assert_eq!(a.shares[1].pays_cents, 20_000 - 5333);
        assert!((a.shares[1].savings_pct - 26.665).abs() < 1e-9);
        assert!(a.sampling.is_none());
        assert!(a.violations.is_empty(), "{:?}", a.violations);
        assert!(a.guarantees.iter().any(|g| g.starts_with("Nobody pays more than going alone")), "{:?}", a.guarantees);
        assert!(a.guarantees.iter().any(|g| g.starts_with("No group of members would save more")), "{:?}", a.guarantees);
    }

    #[test]
    fn proportional_and_equal_relative_savings_on_the_hand_game() {
        let (m, c) = three();
        let p = allocate(&m, &c, AllocationMethod::ProportionalToStandAlone, 0).unwrap();
        assert_eq!(savings(&p), [2500, 5000, 7500]);
        assert!(p.shares.iter().all(|s| (s.savings_pct - 25.0).abs() < 1e-9));
        assert!(p.guarantees.iter().any(|g| g == "Everyone saves the same percentage of its stand-alone cost: 25.0%."));
        // Proportional is in the core here (every pair gets at least its own savings), so the
        // Equal Profit Method gives exactly the same split.
        let e = allocate(&m, &c, AllocationMethod::EqualRelativeSavings, 0).unwrap();
        assert_eq!(savings(&e), [2500, 5000, 7500]);
    }

    #[test]
    fn equal_relative_savings_departs_from_proportional_only_as_a_group_forces_it() {
        // Alpha and Beta save $140 together; Gamma adds nothing; all three save $150.
        let m = members(&[("Alpha", 10_000), ("Beta", 20_000), ("Gamma", 30_000)]);
        let c = |mask: &[bool]| match bits(mask) {
            0b001 => 10_000,
            0b010 => 20_000,
            0b100 => 30_000,
            0b011 => 16_000,
            0b101 => 40_000,
            0b110 => 50_000,
            0b111 => 45_000,
            _ => 0,
        };
        let p = allocate(&m, &c, AllocationMethod::ProportionalToStandAlone, 0).unwrap();
        assert_eq!(savings(&p), [2500, 5000, 7500]);
        assert!(p.guarantees.iter().any(|g| g == "Alpha and Beta would together save $140.00 on their own but get $75.00 under the proportional split."), "{:?}", p.guarantees);
        // EPM: Alpha and Beta need 14,000 between them at an equal rate r = 14000/30000; Gamma
        // keeps the remaining 1,000: (4666⅔, 9333⅓, 1000), the leftover cent to Alpha.
        let e = allocate(&m, &c, AllocationMethod::EqualRelativeSavings, 0).unwrap();
        assert_eq!(savings(&e), [4667, 9333, 1000]);
        assert!(e.guarantees.iter().any(|g| g.starts_with("No group of members would save more")), "{:?}", e.guarantees);
    }

    #[test]
    fn symmetric_members_get_equal_shares_and_a_dummy_gets_nothing() {
        // Beta and Gamma are interchangeable; Delta's shipments cost the pool exactly what they
        // cost alone in every group (a dummy).
        let m = members(&[("Alpha", 30_000), ("Beta", 20_000), ("Gamma", 20_000), ("Delta", 7_000)]);
        let base = |b: usize| -> i64 {
            let k = (b & 0b110).count_ones() as i64;
            let alpha = b & 1 != 0;
            // A shared truck: $150 fixed per group plus $120 per member served (Alpha $250).
            let members_cost = 12_000 * k + if alpha { 25_000 } else { 0 };
            if b & 0b111 == 0 {
                0
            } else {
                15_000 + members_cost - if alpha && k > 0 { 3_000 } else { 0 }
            }
        };
        let c = move |mask: &[bool]| {
            let b = bits(mask);
            base(b) + if b & 0b1000 != 0 { 7_000 } else { 0 }
        };
        let a = allocate(&m, &c, AllocationMethod::Shapley, 0).unwrap();
        let s = savings(&a);
        assert_eq!(s[1], s[2]);
        assert_eq!(s[3], 0);
        // Without Delta the three-member game gives the same shares.
        let three = &m[..3];
        let c3 = |mask: &[bool]| base(bits(mask));
        let a3 = allocate(three, &c3, AllocationMethod::Shapley, 0).unwrap();
        assert_eq!(savings(&a3), s[..3]);
        assert_eq!(s.iter().sum::<i64>(), a.total_savings_cents);
    }

    /// A random game with arbitrary coalition costs (neither subadditive nor anything else).
    fn random_game(n: usize, seed: u64) -> (Vec<MemberCost>, Vec<i64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let m: Vec<MemberCost> = (0..n).map(|i| MemberCost { member: format!("M{i}"), stand_alone_cents: rng.gen_range(0..500_000) }).collect();
        let table: Vec<i64> = (0..(1usize << n))
            .map(|b| {
                let alone: i64 = (0..n).filter(|i| b & (1 << i) != 0).map(|i| m[i].stand_alone_cents).sum();
                (alone as f64 * rng.gen_range(0.5..1.2)) as i64 + rng.gen_range(0..5_000)
            })
            .collect();
        (m, table)
    }

    #[test]
    fn shares_add_up_to_the_total_for_every_method_on_random_games() {
        let methods = [AllocationMethod::Shapley, AllocationMethod::ProportionalToStandAlone, AllocationMethod::EqualRelativeSavings];
        let mut cases: Vec<(usize, u64)> = (0..40).map(|s| (1 + (s as usize % 8), s)).collect();
        cases.extend([(12, 1000), (13, 1001), (14, 1002), (15, 1003)]);
        for (n, seed) in cases {
            let (m, table) = random_game(n, seed);
            let c = |mask: &[bool]| table[bits(mask)];
            for method in methods {
                let a = allocate_with(&m, &c, method, seed, 200).unwrap();
                let sum: i64 = a.shares.iter().map(|s| s.savings_cents).sum();
                assert_eq!(sum, a.total_savings_cents, "n={n} seed={seed} {method:?}");
                assert_eq!(a.total_savings_cents, a.total_stand_alone_cents - a.pooled_cost_cents);
                assert_eq!(a.pooled_cost_cents, table[(1 << n) - 1]);
                for s in &a.shares {
                    assert_eq!(s.pays_cents, s.stand_alone_cents - s.savings_cents);
                    // Every member paying more than alone is named.
                    assert_eq!(s.savings_cents < 0, a.violations.iter().any(|v| v.starts_with(&format!("{} would pay", s.member))), "{:?}", a.violations);
                }
                assert_eq!(a.sampling.is_some(), method == AllocationMethod::Shapley && n > EXACT_SHAPLEY_MAX_MEMBERS);
                if method == AllocationMethod::EqualRelativeSavings && a.total_savings_cents >= 0 {
                    assert!(a.shares.iter().all(|s| s.savings_cents >= 0), "n={n} seed={seed} {:?}", savings(&a));
                }
            }
        }
    }

    #[test]
    fn exact_and_sampled_shapley_match_the_closed_form_of_a_shared_truck_game() {
        // c(S) = F + Σ_{i∈S} k_i: one truck's fixed cost F shared, each member's own miles k_i.
        // v(S) = Σ (a_i − k_i) − F, so φ_i = a_i − k_i − F/n exactly.
        let f = 26_000i64;
        for n in [12usize, 13] {
            let m: Vec<MemberCost> = (0..n).map(|i| MemberCost { member: format!("M{i}"), stand_alone_cents: 20_000 + 1_000 * i as i64 }).collect();
            let k: Vec<i64> = (0..n).map(|i| 15_000 + 500 * i as i64).collect();
            let k2 = k.clone();
            let c = move |mask: &[bool]| f + mask.iter().zip(&k2).filter(|(b, _)| **b).map(|(_, k)| *k).sum::<i64>();
            let a = allocate(&m, &c, AllocationMethod::Shapley, 7).unwrap();
            for (i, s) in a.shares.iter().enumerate() {
                let exact = (m[i].stand_alone_cents - k[i]) as f64 - f as f64 / n as f64;
                match &a.sampling {
                    None => assert!((s.savings_cents as f64 - exact).abs() < 1.0, "{i}: {} vs {exact}", s.savings_cents),
                    Some(sm) => {
                        let se = sm.standard_error_cents[i];
                        assert!(se > 0.0);
                        assert!((s.savings_cents as f64 - exact).abs() <= 4.0 * se + 1.0, "{i}: {} vs {exact} (se {se})", s.savings_cents);
                    }
                }
            }
        }
    }

    #[test]
    fn the_sampling_error_shrinks_with_more_permutations() {
        let (m, table) = random_game(13, 77);
        let c = |mask: &[bool]| table[bits(mask)];
        let few = shapley_sampled(&m, &c, 100, 5).unwrap();
        let many = shapley_sampled(&m, &c, 1_600, 5).unwrap();
        let (se_few, se_many) = (few.sampling.as_ref().unwrap().max_standard_error_cents, many.sampling.as_ref().unwrap().max_standard_error_cents);
        // Standard error ∝ 1/√permutations: 16 times the orders, about a quarter of the error.
        assert!(se_many < se_few / 2.5 && se_many > se_few / 6.0, "{se_few} -> {se_many}");
        assert_eq!(many.sampling.as_ref().unwrap().permutations, 1_600);
        // The same seed gives the same estimate.
        assert_eq!(savings(&shapley_sampled(&m, &c, 100, 5).unwrap()), savings(&few));
        assert!(few.guarantees.iter().any(|g| g.contains("estimated from 100 random orders")), "{:?}", few.guarantees);
    }

    #[test]
    fn nobody_pays_more_than_alone_in_subadditive_games() {
        // c(S) = round(k·√W(S)): concave in the pooled weight, hence subadditive; each member's
        // stand-alone cost is at least the pool's cost of serving it alone.
        for seed in 0..25u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let n = rng.gen_range(2..=9);
            let w: Vec<f64> = (0..n).map(|_| rng.gen_range(1.0..40.0)).collect();
            let cost = |s: f64| (9_000.0 * s.sqrt()).round() as i64;
            let m: Vec<MemberCost> = (0..n).map(|i| MemberCost { member: format!("M{i}"), stand_alone_cents: cost(w[i]) + rng.gen_range(10..3_000) }).collect();
            let c = |mask: &[bool]| cost(mask.iter().zip(&w).filter(|(b, _)| **b).map(|(_, w)| *w).sum());
            for method in [AllocationMethod::Shapley, AllocationMethod::ProportionalToStandAlone, AllocationMethod::EqualRelativeSavings] {
                let a = allocate(&m, &c, method, seed).unwrap();
                assert!(a.violations.is_empty(), "seed {seed} {method:?}: {:?}", a.violations);
                assert!(a.shares.iter().all(|s| s.pays_cents <= s.stand_alone_cents));
            }
            let a = allocate(&m, &c, AllocationMethod::Shapley, seed).unwrap();
            assert!(a.guarantees.iter().any(|g| g.starts_with("Nobody pays more than going alone")), "{:?}", a.guarantees);
        }
    }

    #[test]
    fn a_member_that_costs_the_pool_more_than_alone_is_named() {
        // Pooling Kingman Cabinets alone saves $80; Mohave Metal Works' shipments cost the
        // pool $120 against $100 alone, and adding them to Kingman's costs $120 more too.
        let m = members(&[("Kingman Cabinets", 10_000), ("Mohave Metal Works", 10_000)]);
        let c = |mask: &[bool]| match bits(mask) {
            0b01 => 2_000,
            0b10 => 12_000,
            0b11 => 14_000,
            _ => 0,
        };
        let a = allocate(&m, &c, AllocationMethod::Shapley, 0).unwrap();
        // φ_MMW = ½·(−2000) + ½·(6000 − 8000) = −2000; φ_KC = ½·8000 + ½·(6000 + 2000) = 8000.
        assert_eq!(savings(&a), [8000, -2000]);
        assert_eq!(a.violations, ["Mohave Metal Works would pay $20.00 more than shipping alone under the Shapley split."]);
        assert!(
            a.guarantees.iter().any(|g| g.starts_with("The Shapley split cannot guarantee that nobody pays more than going alone for this plan: adding Mohave Metal Works's shipments")),
            "{:?}",
            a.guarantees
        );
        // Proportional keeps everyone at or below going alone when the total is positive.
        let p = allocate(&m, &c, AllocationMethod::ProportionalToStandAlone, 0).unwrap();
        assert_eq!(savings(&p), [3000, 3000]);
        assert!(p.violations.is_empty());
        // Equal relative savings: nobody below zero, so Kingman gets at most the $60 total
        // while it would save $80 alone: the core is empty and the relaxation is reported.
        let e = allocate(&m, &c, AllocationMethod::EqualRelativeSavings, 0).unwrap();
        assert_eq!(savings(&e), [6000, 0]);
        assert!(e.violations.is_empty());
        assert!(e.guarantees.iter().any(|g| g.contains("the core is empty") && g.ends_with("$20.00.")), "{:?}", e.guarantees);
        assert!(e.guarantees.iter().any(|g| g == "Kingman Cabinets would save $80.00 on its own but gets $60.00 under the equal-relative-savings split."), "{:?}", e.guarantees);
    }

    #[test]
    fn negative_total_savings_are_said_plainly() {
        let m = members(&[("Alpha", 10_000), ("Beta", 30_000)]);
        let c = |_: &[bool]| 50_000;
        let p = allocate(&m, &c, AllocationMethod::ProportionalToStandAlone, 0).unwrap();
        assert_eq!(savings(&p), [-2500, -7500]);
        assert_eq!(p.violations[0], "The pooled plan costs $100.00 more than everyone shipping alone ($500.00 against $400.00): there are no savings to share.");
        assert_eq!(p.violations[1], "Alpha would pay $25.00 more than shipping alone under the proportional split.");
        assert_eq!(p.violations.len(), 3);
    }

    #[test]
    fn bad_members_are_refused_by_place() {
        let m = members(&[("Alpha", -1), ("Beta", 5), ("Alpha", 3)]);
        let e = allocate(&m, &|_: &[bool]| 0, AllocationMethod::Shapley, 0).unwrap_err();
        assert_eq!(e.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["members[0].stand_alone_cents", "members[2].member"]);
        // No members: nothing to split, and the cost function is never asked.
        let a = allocate(&[], &|_: &[bool]| panic!("not called"), AllocationMethod::EqualRelativeSavings, 0).unwrap();
        assert!(a.shares.is_empty() && a.total_savings_cents == 0);
    }

    #[test]
    fn each_coalition_cost_is_asked_once() {
        let (m, c) = three();
        let calls = std::cell::RefCell::new(Vec::new());
        let counting = |mask: &[bool]| {
            calls.borrow_mut().push(bits(mask));
            c(mask)
        };
        allocate(&m, &counting, AllocationMethod::Shapley, 0).unwrap();
        let mut seen = calls.borrow().clone();
        seen.sort_unstable();
        assert_eq!(seen, [1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn rounding_hands_out_leftover_cents_by_largest_remainder() {
        assert_eq!(round_to_total(&[1, 1, 1], 3, 1), [1, 0, 0]);
        assert_eq!(round_to_total(&[5, 7, 3], 5, 3), [1, 1, 1]);
        assert_eq!(round_to_total(&[-10, 4], 3, -2), [-3, 1]);
        // Floating shares that do not quite add up are still forced to the total.
        assert_eq!(round_f64_to_total(&[0.5, 0.5, 0.5], 2), [1, 1, 0]);
        assert_eq!(round_f64_to_total(&[1.2, 1.2], 1), [1, 0]);
    }
}
