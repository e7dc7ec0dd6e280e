//! The shortfall: an answer where the target topology cannot be filled.
//!
//! When not even every synthetic node fills the topology (a country-restricted
//! subnet whose seats synthetic nodes may not take, an "exactly" limit whose
//! value has too few nodes, a provider that must have a node assigned but
//! cannot), the model is infeasible. The shortfall answers as well: it relaxes
//! every requirement that only real nodes can meet by whole seats left empty,
//! and finds the fewest such seats, then the fewest synthetic nodes for the
//! rest (a lexicographic objective).
//!
//! The relaxation is a model of its own ([`relax`]), so the solver, the
//! checker and the certificate work on it unchanged: the model with
//! "empty-seat" classes added. An empty seat counts in its subnet's size and in
//! no real value's limit (its values are fresh, limited only by the subnet's
//! size); it may join every subnet (it is SEV-capable and of a country every
//! restricted subnet admits). Three kinds:
//! - a plain seat: any subnet's seat left empty;
//! - a seat an "exactly" limit keeps for a value (`DFINITY` exactly 1 per
//!   subnet, an `eq` special limit): it carries that value, so it meets one unit
//!   of the limit and takes one seat;
//! - a seat the per-provider minimum keeps for a provider: it is one of the
//!   provider's classes for its minimum.
//!
//! Every unit of the shortfall is thus one seat left empty, and everything
//! else (every "at most" limit, class counts, spare limits) holds for the
//! nodes that are assigned.
//!
//! Lexicographic objective, solved exactly as ONE weighted integer program:
//! an empty seat costs `W = (synthetic nodes) + 1`, a synthetic node 1, a real
//! node 0. No allocation uses more than the model's synthetic nodes, so the
//! synthetic count N of any allocation is below W, and `W x S + N` orders
//! allocations exactly as (S, N) does. One program (rather than two stages)
//! keeps one certificate for both parts: a checked lower bound L on
//! `W x S + N` with `ceil(L) = W x S* + N*` proves S* least (any S < S* gives
//! at most `W x S* - 1 < L`) and N* least among allocations with S* empty
//! seats. The weighted certificate is re-checked in integer arithmetic by
//! [`check::check_weighted_certificate`] on the relaxed model, which anyone
//! rebuilds from the model with [`relax`].

use crate::check::{self, Allocation, Bound, Certificate, CheckFailure};
use crate::explain;
use crate::inputs::{Attribute, LimitOp, SpecialLimit};
use crate::model::{Model, NodeClass};
use crate::solve::{self, Budget, Status, Work};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fresh value every attribute of an empty seat has (appended after the
/// model's values, so the model's own indices do not move).
pub const EMPTY_SEAT: &str = "(seat left empty)";

/// The country of the units of per-provider minimums left unmet, and the type
/// of the one extra subnet that holds them (see [`relax`]).
pub const NO_SEAT: &str = "(per-provider minimum left unmet)";

/// What an empty-seat class stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// A subnet's seat that no node it admits can take.
    Seat,
    /// A seat an "exactly" limit keeps for `value` of `attribute`.
    Exactly {
        /// The limit's attribute.
        attribute: Attribute,
        /// The value's index in the model.
        value: u32,
    },
    /// A provider's per-provider minimum left unmet (index into the model's
    /// `provider_minimums`): a unit in the extra subnet, no seat of the topology.
    ProviderMinimum {
        /// The minimum's index.
        minimum: u32,
    },
    /// What fills the extra subnet where a minimum is met (costs nothing).
    Filler,
}

/// The relaxed model and its costs.
#[derive(Clone, Debug)]
pub struct Relaxed {
    /// The model with the empty-seat classes appended.
    pub model: Model,
    /// Index of the first empty-seat class: the classes before it are the model's.
    pub first_empty: u32,
    /// What each empty-seat class stands for, from `first_empty` on.
    pub requirements: Vec<Requirement>,
    /// The weight of an empty seat: one more than the synthetic nodes.
    pub weight: i64,
    /// Per class: the cost (W for an empty seat, 1 for a synthetic node, 0 otherwise).
    pub costs: Vec<i64>,
}

impl Relaxed {
    /// What class `c` stands for, if it is an empty seat.
    pub fn requirement(&self, c: u32) -> Option<Requirement> {
        c.checked_sub(self.first_empty).map(|i| self.requirements[i as usize])
    }

    /// (units of shortfall, synthetic nodes) of an allocation of the relaxed model.
    pub fn counts(&self, allocation: &Allocation) -> (u32, u32) {
        let mut units = 0;
        let mut synthetic = 0;
        for &(c, n) in allocation.subnets.iter().flatten() {
            match self.requirement(c) {
                Some(Requirement::Filler) => {}
                Some(_) => units += n,
                None if self.model.classes[c as usize].synthetic => synthetic += n,
                None => {}
            }
        }
        (units, synthetic)
    }
}

/// Build the relaxed model of `model` (deterministic: the checker rebuilds it).
pub fn relax(model: &Model) -> Relaxed {
    let mut relaxed = model.clone();
    let fresh: [u32; 4] = std::array::from_fn(|a| {
        relaxed.values[a].push(EMPTY_SEAT.to_string());
        (relaxed.values[a].len() - 1) as u32
    });
    for subnet in &mut relaxed.subnets {
        for a in Attribute::ALL {
            subnet.special.push((a, fresh[a.index()], SpecialLimit { count: subnet.size, op: LimitOp::AtMost }));
        }
        subnet.special.sort_unstable_by_key(|&(a, v, _)| (a, v));
        if let Some(allowed) = &mut subnet.allowed_countries {
            allowed.push(fresh[Attribute::Country.index()]);
        }
    }
    let first_empty = relaxed.classes.len() as u32;
    let mut requirements = Vec::new();
    let mut add = |relaxed: &mut Model, requirement: Requirement, values: [u32; 4], count: u32| {
        let k = relaxed.classes.len();
        relaxed.classes.push(NodeClass {
            values,
            original_provider: EMPTY_SEAT.to_string(),
            is_sev: true,
            synthetic: false,
            uncounted: false,
            members: (1..=count).map(|i| format!("empty-seat-{}-{i}", k as u32 - first_empty + 1)).collect(),
        });
        requirements.push(requirement);
    };
    let seats: u32 = model.subnets.iter().map(|s| s.size).sum();
    add(&mut relaxed, Requirement::Seat, fresh, seats);
    // One class per value an "exactly" limit names anywhere, as many seats as those limits ask.
    let mut exactly: BTreeMap<(Attribute, u32), u32> = BTreeMap::new();
    for subnet in &model.subnets {
        for &(a, v, limit) in &subnet.special {
            if limit.op == LimitOp::Exactly && limit.count > 0 {
                *exactly.entry((a, v)).or_default() += limit.count;
            }
        }
    }
    for ((attribute, value), count) in exactly {
        let mut values = fresh;
        values[attribute.index()] = value;
        add(&mut relaxed, Requirement::Exactly { attribute, value }, values, count);
    }
    // A provider minimum left unmet takes no seat of the topology: its unit is
    // a seat of one extra subnet that nothing else may join, of one seat per
    // minimum, which free fillers take where the minimums are met. Its
    // nodes' country (a second fresh value) is barred from every real subnet.
    let minimums = model.provider_minimums.len() as u32;
    if minimums > 0 {
        relaxed.values[Attribute::Country.index()].push(NO_SEAT.to_string());
        let no_seat = (relaxed.values[Attribute::Country.index()].len() - 1) as u32;
        for subnet in &mut relaxed.subnets {
            subnet.special.push((Attribute::Country, no_seat, SpecialLimit { count: 0, op: LimitOp::AtMost }));
            subnet.special.sort_unstable_by_key(|&(a, v, _)| (a, v));
        }
        relaxed.subnets.push(crate::model::Subnet {
            subnet_type: NO_SEAT.to_string(),
            subnet_id: None,
            size: minimums,
            sev_only: false,
            limits: [minimums; 4],
            special: vec![],
            allowed_countries: Some(vec![no_seat]),
        });
        let mut values = fresh;
        values[Attribute::Country.index()] = no_seat;
        add(&mut relaxed, Requirement::Filler, values, minimums);
        for m in 0..minimums {
            let c = relaxed.classes.len() as u32;
            add(&mut relaxed, Requirement::ProviderMinimum { minimum: m }, values, 1);
            relaxed.provider_minimums[m as usize].classes.push(c);
        }
    }
    let weight = model.synthetic_nodes() as i64 + 1;
    let costs = relaxed
        .classes
        .iter()
        .enumerate()
        .map(|(c, class)| match c.checked_sub(first_empty as usize).map(|i| requirements[i]) {
            Some(Requirement::Filler) => 0,
            Some(_) => weight,
            None => class.synthetic as i64,
        })
        .collect();
    Relaxed { model: relaxed, first_empty, requirements, weight, costs }
}

/// The answer of the shortfall solve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortfall {
    /// `optimal` when both parts are proven least; `budget_exceeded` with the
    /// bounds otherwise; `infeasible` when not even empty seats fill the
    /// topology (limits that contradict each other).
    pub status: Status,
    /// The least number of seats left empty; `Some` only when optimal.
    pub seats: Option<u32>,
    /// The least number of synthetic nodes for the rest, given `seats`; `Some` only when optimal.
    pub objective: Option<u32>,
    /// Proven: at least this many seats stay empty.
    pub seats_lower_bound: u32,
    /// The weight W of an empty seat in the objective `W x seats + synthetic`.
    pub weight: i64,
    /// The allocation of the relaxed model (checked), when optimal.
    pub allocation: Option<Allocation>,
    /// The lower-bound certificate on `W x seats + synthetic`, on the relaxed model.
    pub certificate: Certificate,
    /// The bound it proves (checked).
    pub bound: Bound,
    /// Whether the certificate alone proves both parts (otherwise the proof of
    /// optimality rests on branch and bound).
    pub certificate_is_tight: bool,
    /// What the solve cost.
    pub work: Work,
}

/// Solve the shortfall of `model` under `budget`: the least empty seats, then
/// the least synthetic nodes.
pub fn solve(model: &Model, budget: Budget) -> Shortfall {
    let relaxed = relax(model);
    let w = solve::solve_weighted(&relaxed.model, &relaxed.costs, budget);
    let seats_lower_bound = (w.bound.ceil().max(0) / relaxed.weight as i128).min(u32::MAX as i128) as u32;
    let mut answer = Shortfall {
        status: w.status,
        seats: None,
        objective: None,
        seats_lower_bound,
        weight: relaxed.weight,
        allocation: None,
        certificate: w.certificate,
        bound: w.bound,
        certificate_is_tight: false,
        work: w.work,
    };
    if let (Status::Optimal, Some(allocation)) = (w.status, w.allocation) {
        match check_allocation(&relaxed, &allocation) {
            Ok((seats, synthetic)) => {
                answer.seats = Some(seats);
                answer.objective = Some(synthetic);
                answer.seats_lower_bound = seats;
                answer.certificate_is_tight =
                    w.bound.ceil() >= relaxed.weight as i128 * seats as i128 + synthetic as i128;
                answer.allocation = Some(allocation);
            }
            // Never report an allocation that does not check.
            Err(_) => answer.status = Status::BudgetExceeded,
        }
    }
    answer
}

/// Check an allocation of the relaxed model; return (empty seats, synthetic nodes).
pub fn check_allocation(relaxed: &Relaxed, allocation: &Allocation) -> Result<(u32, u32), CheckFailure> {
    check::check_allocation(&relaxed.model, allocation)?;
    Ok(relaxed.counts(allocation))
}

/// What a shortfall certificate proves, re-checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedShortfall {
    /// Seats left empty by the allocation.
    pub seats: u32,
    /// Synthetic nodes of the allocation.
    pub objective: u32,
    /// The bound the certificate proves on `W x seats + synthetic`.
    pub bound: Bound,
    /// Whether the bound proves both parts least.
    pub proven: bool,
    /// Whether the bound proves at least the seats least: every allocation
    /// leaves at least floor(ceil(bound) / W) seats empty.
    pub seats_proven: bool,
}

/// Re-check a claimed shortfall in integer arithmetic: the allocation meets
/// every constraint of the relaxed model (rebuilt here from `model`), and the
/// certificate proves a bound on `W x seats + synthetic`. When `ceil(bound)`
/// reaches the allocation's value, both parts are proven least.
pub fn check_shortfall(
    model: &Model,
    allocation: &Allocation,
    certificate: &Certificate,
) -> Result<CheckedShortfall, CheckFailure> {
    let relaxed = relax(model);
    let (seats, objective) = check_allocation(&relaxed, allocation)?;
    let bound = check::check_weighted_certificate(&relaxed.model, certificate, Some(&relaxed.costs))?;
    let value = relaxed.weight as i128 * seats as i128 + objective as i128;
    let seats_bound = bound.ceil().max(0) / relaxed.weight as i128;
    Ok(CheckedShortfall {
        seats,
        objective,
        bound,
        proven: bound.ceil() >= value,
        seats_proven: seats_bound >= seats as i128,
    })
}

/// One subnet's empty seats, by requirement; or the per-provider minimums left unmet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetShortfall {
    /// The subnet's index in the topology's order; `None` for the per-provider
    /// minimums left unmet (they take no seat).
    pub subnet: Option<u32>,
    /// Its name for people (type, and id or position).
    pub label: String,
    /// Units of shortfall: seats left empty, or minimums unmet.
    pub seats: u32,
    /// Nodes the subnet gets (real and synthetic).
    pub filled: u32,
    /// Its size.
    pub size: u32,
    /// The rules the units stand for, in words.
    pub rules: Vec<String>,
    /// Why no node it admits can meet them, in words.
    pub why: String,
}

/// The subnets with empty seats in `allocation` (of [`relax`]`(model)`), in
/// the topology's order, each with the rule its seats stand for and why; then
/// the per-provider minimums left unmet, if any.
pub fn by_subnet(model: &Model, allocation: &Allocation) -> Vec<SubnetShortfall> {
    let relaxed = relax(model);
    let mut out = Vec::new();
    let mut unmet = Vec::new();
    for (s, entries) in allocation.subnets.iter().enumerate() {
        let Some(subnet) = model.subnets.get(s) else {
            // The extra subnet: the minimums left unmet.
            for &(c, _) in entries {
                if let Some(Requirement::ProviderMinimum { minimum }) = relaxed.requirement(c) {
                    unmet.push(minimum);
                }
            }
            continue;
        };
        let mut kinds: BTreeMap<Requirement, u32> = BTreeMap::new();
        let mut filled = 0;
        for &(c, n) in entries {
            match relaxed.requirement(c) {
                // An "exactly" seat in a subnet whose limit on the value is not
                // "exactly" stands for a plain seat there.
                Some(Requirement::Exactly { attribute, value })
                    if subnet.limit(attribute, value).op != LimitOp::Exactly =>
                {
                    *kinds.entry(Requirement::Seat).or_default() += n
                }
                Some(r) => *kinds.entry(r).or_default() += n,
                None => filled += n,
            }
        }
        if kinds.is_empty() {
            continue;
        }
        let seats = kinds.values().sum();
        let mut rules = Vec::new();
        let mut why = Vec::new();
        for (&r, &n) in &kinds {
            match r {
                Requirement::Exactly { attribute, value } => {
                    let limit = subnet.limit(attribute, value);
                    let name = format!("{} {}", explain::words(attribute), model.value(attribute, value));
                    rules.push(format!("{name} must have exactly {} node(s) in it: {n} missing", limit.count));
                    why.push(exactly_why(model, attribute, value, &name));
                }
                _ => {
                    rules.push(format!("{n} seat(s) {}", seat_rule(model, s)));
                    why.push(seat_why(model, s));
                }
            }
        }
        out.push(SubnetShortfall {
            subnet: Some(s as u32),
            label: explain::subnet_label(model, s),
            seats,
            filled,
            size: subnet.size,
            rules,
            why: why.join("; "),
        });
    }
    if !unmet.is_empty() {
        unmet.sort_unstable();
        let providers: Vec<&str> =
            unmet.iter().map(|&m| model.provider_minimums[m as usize].provider.as_str()).collect();
        out.push(SubnetShortfall {
            subnet: None,
            label: "per-provider minimum".into(),
            seats: unmet.len() as u32,
            filled: 0,
            size: 0,
            rules: providers
                .iter()
                .map(|p| format!("provider {p} must have at least one node assigned: none is"))
                .collect(),
            why: "no allocation assigns one of their nodes without leaving another seat empty (their nodes are kept out by the subnets' limits or needed where they are)".into(),
        });
    }
    out
}

/// Why an "exactly" limit's value lacks nodes: how many usable ones it has
/// for how many nodes the limits ask of it.
fn exactly_why(model: &Model, attribute: Attribute, value: u32, name: &str) -> String {
    let usable: u32 = model
        .classes
        .iter()
        .filter(|c| !c.synthetic && c.values[attribute.index()] == value)
        .map(NodeClass::count)
        .sum();
    let (asked, subnets) = model.subnets.iter().fold((0u32, 0u32), |(asked, n), subnet| {
        let limit = subnet.limit(attribute, value);
        match limit.op == LimitOp::Exactly && limit.count > 0 {
            true => (asked + limit.count, n + 1),
            false => (asked, n),
        }
    });
    format!(
        "{name} has {usable} usable node(s) for the {asked} its \"exactly\" limits ask of it in {subnets} subnet(s), and no allocation gives this subnet one without leaving another seat empty"
    )
}

/// The attributes whose per-value limit in subnet `s` is 1: its nodes must differ in them.
fn distinct(model: &Model, s: usize) -> Vec<&'static str> {
    let subnet = &model.subnets[s];
    Attribute::ALL.into_iter().filter(|a| subnet.limits[a.index()] == 1).map(plural).collect()
}

/// What a plain seat of subnet `s` asks for, in words.
fn seat_rule(model: &Model, s: usize) -> String {
    let subnet = &model.subnets[s];
    let mut parts = Vec::new();
    if let Some(allowed) = &subnet.allowed_countries {
        let names: Vec<&str> = allowed.iter().map(|&c| model.value(Attribute::Country, c)).collect();
        parts.push(match names.len() {
            1..=5 => format!("in {}", names.join(", ")),
            n => format!("in one of its {n} countries"),
        });
    }
    if subnet.sev_only {
        parts.push("SEV-capable".into());
    }
    let distinct = distinct(model, s);
    if !distinct.is_empty() {
        parts.push(format!("from different {}", join_and(&distinct)));
    }
    match parts.is_empty() {
        true => "left empty".into(),
        false => format!("for nodes {}", parts.join(", ")),
    }
}

/// Why no node takes a plain seat of subnet `s`, in words: who may take its
/// seats, and how many distinct values the usable real nodes it admits have
/// in each attribute whose limit is 1 (the most nodes they can give it).
fn seat_why(model: &Model, s: usize) -> String {
    let subnet = &model.subnets[s];
    let synthetic_admitted = model.classes.iter().any(|c| c.synthetic && subnet.admits(c));
    let mut only = Vec::new();
    if subnet.allowed_countries.is_some() {
        only.push("its country restriction");
    }
    if subnet.sev_only {
        only.push("SEV only");
    }
    let mut counts = Vec::new();
    for a in Attribute::ALL {
        if subnet.limits[a.index()] != 1 {
            continue;
        }
        let values: std::collections::BTreeSet<u32> = model
            .classes
            .iter()
            .filter(|c| !c.synthetic && subnet.admits(c) && subnet.limit(a, c.values[a.index()]).count > 0)
            .map(|c| c.values[a.index()])
            .collect();
        counts.push(format!("{} {}", values.len(), plural(a)));
    }
    let real = match counts.is_empty() {
        true => String::new(),
        false => format!("; the usable real nodes it admits come from {}", join_and_owned(&counts)),
    };
    match synthetic_admitted {
        false => format!(
            "only real nodes may take its seats ({}){real}, and no allocation gives it more of them without leaving another seat empty",
            if only.is_empty() { "no synthetic node is left".to_string() } else { only.join(", ") }
        ),
        true => format!(
            "no allocation gives it more real or synthetic nodes without leaving another seat empty{real}"
        ),
    }
}

fn plural(a: Attribute) -> &'static str {
    match a {
        Attribute::NodeProvider => "node providers",
        Attribute::DataCenter => "data centers",
        Attribute::DataCenterProvider => "data-center providers (owners)",
        Attribute::Country => "countries",
    }
}

fn join_and_owned(items: &[String]) -> String {
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    join_and(&refs)
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests;
