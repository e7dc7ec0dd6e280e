//! Where should new nodes go, and which nodes matter.
//!
//! The placement map ([`placement_map`]): for every country of the snapshot,
//! every country of a country-restricted subnet's list not yet in the network,
//! and one new country outside those lists, the optimal deployment size of a
//! deployment there (the largest N such that each of the first N nodes lowers
//! the ObjectiveValue by one) and the ObjectiveValue after those N nodes, for
//! SEV-capable nodes and not. The deployment is a new node provider with a new
//! data center of a new data-center provider ([`Target::NewProvider`]), a
//! named existing provider in a new data center ([`Target::Provider`]: its
//! provider and cluster limits bind), or a new provider in a named existing
//! data center ([`Target::DataCenter`]: that data center's and its owner's
//! limits bind; its one country is the map).
//!
//! Every point is solved exactly, one node at a time, each from its solved
//! predecessor and the baseline ([`solve::solve_near`]): the predecessor's
//! allocation with a synthetic node swapped for the added one, and its
//! certificate re-optimised, usually prove the point at once. The sweep stops
//! at the first node that does not lower the value by one (that point is
//! solved too, so the size is proven on both sides). [`recheck_point`]
//! re-solves an entry's points each on its own and re-checks every allocation
//! and certificate with the independent checker.
//!
//! The value of the nodes already there is in [`value`].

pub mod value;

use crate::check;
use crate::inputs::{Attribute, CandidateRow, Inputs};
use crate::model::{self, Model};
use crate::solve::{self, Budget, Neighbour, Solution, Status};
use crate::InputError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The name of the new node provider of a map entry.
pub const NEW_PROVIDER: &str = "New node provider";
/// The new data center of a map entry is this, then the country code.
pub const NEW_DATA_CENTER: &str = "New data center";
/// The new data-center provider of a map entry.
pub const NEW_DATA_CENTER_PROVIDER: &str = "New data-center provider";
/// Codes tried, in order, for the one new country outside every list (user-assigned ISO codes).
pub const NEW_COUNTRY_CODES: [&str; 4] = ["ZZ", "XZ", "QZ", "XY"];

/// Who deploys the nodes of the map.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A new node provider with a new data center of a new data-center provider.
    NewProvider,
    /// A named existing node provider, in a new data center of a new data-center provider.
    Provider(String),
    /// A new node provider in a named existing data center (of its owner, in its country).
    DataCenter(String),
}

/// Why a country is on the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountryOrigin {
    /// Nodes of the snapshot (or the pipeline) are there.
    Network,
    /// On a country-restricted subnet's list, with no node yet.
    RestrictedList,
    /// The one new country outside every list.
    New,
    /// The named data center's country.
    DataCenter,
}

/// One (country, SEV) curve of the map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementPoint {
    /// Whether the new nodes are SEV-capable.
    pub is_sev: bool,
    /// `Optimal` when every point up to and including the first that breaks
    /// one-for-one (or the value 0) is proven; otherwise the status of the
    /// first point that is not.
    pub status: Status,
    /// The largest N such that each of the first N nodes lowers the value by one.
    pub optimal_deployment_size: Option<u32>,
    /// The ObjectiveValue after those N nodes.
    pub objective_after: Option<u32>,
    /// The ObjectiveValue with 0, 1, ... nodes: every point solved (`None`:
    /// unproven). Where the topology cannot be filled, each point's value on
    /// the (shortfall, ObjectiveValue) scale: seats left empty plus the
    /// rest's ObjectiveValue (see [`crate::shortfall`]), with the seats in
    /// `shortfall`.
    pub curve: Vec<Option<u32>>,
    /// Where the topology cannot be filled without the new nodes: per point,
    /// the seats left empty (0 once it can be filled); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shortfall: Vec<Option<u32>>,
    /// Points solved for this curve (0 where it was taken over by symmetry).
    pub points_solved: u32,
    /// Points that needed the LP and integer program (the rest the neighbours proved).
    pub full_solves: u32,
}

/// One country of the map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapEntry {
    /// The country (ISO code; `ZZ` for a country with no node yet).
    pub country: String,
    /// Why the country is on the map.
    pub origin: CountryOrigin,
    /// The candidate row of the deployment (with `no_nodes` = 1, `is_sev` = true):
    /// `topology evaluate --candidate` with it reproduces the SEV curve.
    pub candidate: CandidateRow,
    /// The curve of SEV-capable nodes.
    pub sev: PlacementPoint,
    /// The curve of nodes that are not SEV-capable.
    pub non_sev: PlacementPoint,
    /// Whether SEV capability changes the size or the value after (`None`: unknown).
    pub sev_changes_it: Option<bool>,
    /// The country whose curves this entry shares, by symmetry (see [`footprint`]);
    /// `None`: solved for this country.
    pub solved_as: Option<String>,
}

/// What a country with no node of the model is to the model: the
/// country-restricted subnet types whose list has it, and the special limits
/// that name it. Two such countries with the same footprint give the same
/// model up to renaming the country (and the new data center named after
/// it), hence the same curves: their entries share one solved curve.
pub type Footprint = (Vec<String>, Vec<String>);

/// The footprint of `country`, or `None` when nodes of the model are there
/// (then it is solved on its own).
pub fn footprint(inputs: &Inputs, base: &Model, country: &str) -> Option<Footprint> {
    if base.value_index(Attribute::Country, country).is_some() {
        return None;
    }
    let restrictions = inputs
        .country_restrictions
        .clone()
        .unwrap_or_else(|| model::default_country_restrictions(inputs.settings.rules));
    let lists = restrictions
        .iter()
        .filter(|r| r.countries.iter().any(|c| c == country))
        .map(|r| r.subnet_type.clone())
        .collect();
    let mut limits = Vec::new();
    if let Some(special) = &inputs.special_limits {
        for (scope, by_attribute) in special {
            if let Some(limit) = by_attribute.get(&Attribute::Country).and_then(|by_value| by_value.get(country)) {
                let scope = match scope {
                    crate::inputs::SpecialLimitScope::SubnetId(id) => format!("subnet {id}"),
                    crate::inputs::SpecialLimitScope::SubnetType(t) => format!("{t} subnets"),
                    crate::inputs::SpecialLimitScope::Default => "every subnet".into(),
                };
                let op = match limit.op {
                    crate::inputs::LimitOp::AtMost => "at most",
                    crate::inputs::LimitOp::Exactly => "exactly",
                };
                limits.push(format!("{scope}: {op} {}", limit.count));
            }
        }
    }
    Some((lists, limits))
}

/// The placement map for one target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementMap {
    /// Whose nodes the map places.
    pub target: Target,
    /// The status of the solve without new nodes.
    pub baseline_status: Status,
    /// The ObjectiveValue without new nodes, when optimal.
    pub baseline_objective: Option<u32>,
    /// Ranked: largest SEV deployment size first (unknown last), then by country.
    pub entries: Vec<MapEntry>,
    /// Points solved in all, and how many of them needed a full solve.
    pub points_solved: u32,
    /// Solves that went on to the LP and integer program (the rest were proven from their neighbours).
    pub full_solves: u32,
}

/// The map's rows before solving: every (country, candidate template).
pub fn map_rows(
    inputs: &Inputs,
    base: &Model,
    target: &Target,
) -> Result<Vec<(String, CountryOrigin, CandidateRow)>, InputError> {
    let fresh = |wanted: &str, a: Attribute| -> String {
        let mut name = wanted.to_string();
        while base.value_index(a, &name).is_some() {
            name.push('*');
        }
        name
    };
    let row = |provider: &str, dc: &str, owner: &str, country: &str| CandidateRow {
        node_provider: provider.to_string(),
        data_center: dc.to_string(),
        data_center_provider: owner.to_string(),
        country: country.to_string(),
        is_sev: true,
        no_nodes: 1,
    };
    let new_provider = fresh(NEW_PROVIDER, Attribute::NodeProvider);
    let new_owner = fresh(NEW_DATA_CENTER_PROVIDER, Attribute::DataCenterProvider);
    let provider = match target {
        Target::NewProvider => new_provider.clone(),
        Target::Provider(name) => {
            let known = base.classes.iter().any(|c| {
                !c.synthetic
                    && (c.original_provider == *name || base.value(Attribute::NodeProvider, c.values[0]) == name)
            });
            if !known {
                return Err(InputError::new(
                    "--provider",
                    format!("no usable node of the snapshot has the node provider {name:?}"),
                ));
            }
            name.clone()
        }
        Target::DataCenter(dc) => {
            let rules = inputs.settings.rules;
            let found = inputs
                .nodes
                .iter()
                .find(|n| n.data_center == *dc)
                .map(|n| (n.data_center_provider.clone(), model::registry_country(rules, &n.region)))
                .or_else(|| {
                    inputs
                        .pipeline
                        .iter()
                        .find(|p| p.data_center == *dc)
                        .map(|p| (p.data_center_provider.clone(), p.country.clone()))
                });
            let Some((owner, country)) = found else {
                return Err(InputError::new(
                    "--data-center",
                    format!("no node of the snapshot is in the data center {dc:?}"),
                ));
            };
            return Ok(vec![(country.clone(), CountryOrigin::DataCenter, row(&new_provider, dc, &owner, &country))]);
        }
    };
    let mut countries: BTreeMap<String, CountryOrigin> = BTreeMap::new();
    for n in &inputs.nodes {
        countries.insert(model::registry_country(inputs.settings.rules, &n.region), CountryOrigin::Network);
    }
    for p in &inputs.pipeline {
        countries.insert(p.country.clone(), CountryOrigin::Network);
    }
    let restrictions = inputs
        .country_restrictions
        .clone()
        .unwrap_or_else(|| model::default_country_restrictions(inputs.settings.rules));
    let mut listed: BTreeSet<&str> = BTreeSet::new();
    for r in &restrictions {
        if inputs.topology.iter().any(|s| s.subnet_type == r.subnet_type) {
            for c in &r.countries {
                listed.insert(c);
                countries.entry(c.clone()).or_insert(CountryOrigin::RestrictedList);
            }
        }
    }
    let synthetic: BTreeSet<String> = (1..=inputs.settings.synthetic_countries).map(|c| format!("C{c}")).collect();
    let new_country = NEW_COUNTRY_CODES
        .iter()
        .find(|c| !countries.contains_key(**c) && !synthetic.contains(**c))
        .map(|c| c.to_string())
        .unwrap_or_else(|| fresh("ZZ", Attribute::Country));
    countries.insert(new_country, CountryOrigin::New);
    Ok(countries
        .into_iter()
        .map(|(country, origin)| {
            let dc = fresh(&format!("{NEW_DATA_CENTER} {country}"), Attribute::DataCenter);
            let candidate = row(&provider, &dc, &new_owner, &country);
            (country, origin, candidate)
        })
        .collect())
}

/// The placement map of `inputs` for `target`, every point under `budget`.
pub fn placement_map(inputs: &Inputs, target: &Target, budget: Budget) -> Result<PlacementMap, InputError> {
    let prepared = model::Prepared::new(inputs);
    let base_model = prepared.build(&[]);
    let base = solve::solve(&base_model, budget);
    placement_map_from(inputs, &prepared, (&base_model, &base), target, budget, usize::MAX)
}

/// As [`placement_map`], from a solved baseline; at most `max_entries` entries
/// (in country order) are computed, so that a caller can spread the map over
/// several steps with [`map_entry`].
pub fn placement_map_from(
    inputs: &Inputs,
    prepared: &model::Prepared,
    baseline: (&Model, &Solution),
    target: &Target,
    budget: Budget,
    max_entries: usize,
) -> Result<PlacementMap, InputError> {
    let rows = map_rows(inputs, baseline.0, target)?;
    let base_neighbour = Neighbour::new(baseline.0, baseline.1);
    let mut entries: Vec<MapEntry> = Vec::with_capacity(rows.len());
    let mut solved: BTreeMap<Footprint, usize> = BTreeMap::new();
    for (country, origin, candidate) in rows.into_iter().take(max_entries) {
        let print = footprint(inputs, baseline.0, &country);
        let twin = print.as_ref().and_then(|f| solved.get(f)).map(|&i| &entries[i]);
        let entry =
            map_entry(prepared, baseline.0, baseline.1, &base_neighbour, country, origin, candidate, budget, twin);
        if let Some(f) = print {
            solved.entry(f).or_insert(entries.len());
        }
        entries.push(entry);
    }
    Ok(assemble(target.clone(), baseline.1, entries))
}

/// The map from its entries: ranked, with the totals.
pub fn assemble(target: Target, base: &Solution, mut entries: Vec<MapEntry>) -> PlacementMap {
    rank(&mut entries);
    // Points solved: shared curves count once.
    let own = entries.iter().filter(|e| e.solved_as.is_none());
    let points_solved = own.clone().map(|e| e.sev.points_solved + e.non_sev.points_solved).sum();
    let full_solves = own.map(|e| e.sev.full_solves + e.non_sev.full_solves).sum();
    PlacementMap {
        target,
        baseline_status: base.status,
        baseline_objective: base.objective,
        entries,
        points_solved,
        full_solves,
    }
}

/// Largest SEV deployment size first (unknown last), then by country.
pub fn rank(entries: &mut [MapEntry]) {
    entries.sort_by(|a, b| {
        let key = |e: &MapEntry| {
            (std::cmp::Reverse(e.sev.optimal_deployment_size.map(|s| s as i64).unwrap_or(-1)), e.country.clone())
        };
        key(a).cmp(&key(b))
    });
}

/// One country's entry: its SEV and non-SEV curves. With `twin` (an entry
/// of a country with the same [`footprint`]) its curves are taken over; where
/// no subnet takes only SEV-capable nodes, the non-SEV curve is the SEV one
/// (the two models differ only in a flag no constraint reads).
#[allow(clippy::too_many_arguments)]
pub fn map_entry(
    prepared: &model::Prepared,
    base_model: &Model,
    base: &Solution,
    base_neighbour: &Neighbour,
    country: String,
    origin: CountryOrigin,
    candidate: CandidateRow,
    budget: Budget,
    twin: Option<&MapEntry>,
) -> MapEntry {
    if let Some(t) = twin {
        let solved_as = Some(t.solved_as.clone().unwrap_or_else(|| t.country.clone()));
        return MapEntry { country, origin, candidate, solved_as, ..t.clone() };
    }
    let sev = sweep(prepared, base, base_neighbour, &CandidateRow { is_sev: true, ..candidate.clone() }, budget);
    let non_sev = if base_model.subnets.iter().any(|s| s.sev_only) {
        sweep(prepared, base, base_neighbour, &CandidateRow { is_sev: false, ..candidate.clone() }, budget)
    } else {
        PlacementPoint { is_sev: false, points_solved: 0, full_solves: 0, ..sev.clone() }
    };
    let sev_changes_it = (sev.status == Status::Optimal && non_sev.status == Status::Optimal).then(|| {
        (sev.optimal_deployment_size, sev.objective_after) != (non_sev.optimal_deployment_size, non_sev.objective_after)
    });
    MapEntry { country, origin, candidate, sev, non_sev, sev_changes_it, solved_as: None }
}

/// Add the row's nodes one at a time until one does not lower the value by
/// one, or the value is 0.
fn sweep(
    prepared: &model::Prepared,
    base: &Solution,
    base_neighbour: &Neighbour,
    template: &CandidateRow,
    budget: Budget,
) -> PlacementPoint {
    let is_sev = template.is_sev;
    // Where the baseline cannot be filled, points are valued on the
    // (shortfall, ObjectiveValue) scale: seats left empty plus the rest's
    // synthetic nodes, a seat counting like a node.
    let base_short = match (base.objective, base.status) {
        (None, Status::Infeasible) => {
            let f = crate::shortfall::solve(&prepared.build(&[]), budget);
            f.seats.zip(f.objective)
        }
        _ => None,
    };
    let Some(b) = base.objective.or(base_short.map(|(s, n)| s + n)) else {
        return PlacementPoint {
            is_sev,
            status: base.status,
            optimal_deployment_size: None,
            objective_after: None,
            curve: vec![None],
            shortfall: vec![],
            points_solved: 0,
            full_solves: 0,
        };
    };
    let mut curve = vec![Some(b)];
    let mut shortfall = base_short.map(|(s, _)| vec![Some(s)]).unwrap_or_default();
    let mut size = 0u32;
    let mut full_solves = 0u32;
    let mut previous: Option<Neighbour> = None;
    let mut status = Status::Optimal;
    while size < b {
        let n = size + 1;
        let model = prepared.build(&[CandidateRow { no_nodes: n, ..template.clone() }]);
        let near: Vec<&Neighbour> = previous.iter().chain(std::iter::once(base_neighbour)).collect();
        let solution = solve::solve_near(&model, budget, &near, true);
        if solution.work.lp_solves > 0 {
            full_solves += 1;
        }
        let value = match (solution.status, base_short.is_some()) {
            (Status::Infeasible, true) => {
                let f = crate::shortfall::solve(&model, budget);
                shortfall.push(f.seats);
                match f.status {
                    Status::Optimal => f.seats.zip(f.objective).map(|(s, n)| s + n),
                    other => {
                        status = other;
                        curve.push(None);
                        break;
                    }
                }
            }
            (_, short) => {
                if short {
                    shortfall.push(solution.objective.map(|_| 0));
                }
                solution.objective
            }
        };
        curve.push(value);
        match value {
            Some(v) if v + n == b => {
                size = n;
                previous = Some(Neighbour::new(&model, &solution));
            }
            // A higher value, or no allocation at all (a definite answer): the size is proven.
            Some(_) => break,
            None if solution.status == Status::Infeasible => break,
            None => {
                status = solution.status;
                break;
            }
        }
    }
    let known = status == Status::Optimal;
    PlacementPoint {
        is_sev,
        status,
        optimal_deployment_size: known.then_some(size),
        objective_after: known.then_some(b - size),
        points_solved: curve.len() as u32 - 1,
        curve,
        shortfall,
        full_solves,
    }
}

/// Re-check one curve of an entry without the map's machinery: every point
/// the curve lists is solved on its own, its allocation and certificate are
/// re-checked by the independent checker, and its value must be the curve's;
/// then the size and the value after must follow from the curve.
pub fn recheck_point(
    inputs: &Inputs,
    template: &CandidateRow,
    point: &PlacementPoint,
    budget: Budget,
) -> Result<(), String> {
    let prepared = model::Prepared::new(inputs);
    for (n, &claimed) in point.curve.iter().enumerate() {
        let rows: Vec<CandidateRow> = if n == 0 {
            vec![]
        } else {
            vec![CandidateRow { no_nodes: n as u32, is_sev: point.is_sev, ..template.clone() }]
        };
        let model = prepared.build(&rows);
        let solution = solve::solve(&model, budget);
        let value = match (solution.status, point.shortfall.is_empty()) {
            // On the (shortfall, ObjectiveValue) scale: the shortfall solved
            // alone, its allocation and certificate re-checked.
            (Status::Infeasible, false) => {
                let f = crate::shortfall::solve(&model, budget);
                if let Some(allocation) = &f.allocation {
                    let checked = crate::shortfall::check_shortfall(&model, allocation, &f.certificate)
                        .map_err(|e| format!("{n} nodes: shortfall: {e}"))?;
                    if (Some(checked.seats), Some(checked.objective)) != (f.seats, f.objective) {
                        return Err(format!("{n} nodes: the shortfall's allocation does not give its value"));
                    }
                }
                if point.shortfall.get(n).copied().flatten() != f.seats {
                    return Err(format!(
                        "{n} nodes: shortfall solved alone {}, the curve says {}",
                        shown(f.seats),
                        shown(point.shortfall.get(n).copied().flatten())
                    ));
                }
                f.seats.zip(f.objective).map(|(s, v)| s + v)
            }
            _ => solution.objective,
        };
        if value != claimed {
            return Err(format!("{n} nodes: solved alone {}, the curve says {}", shown(value), shown(claimed)));
        }
        if let (Some(v), Some(allocation)) = (solution.objective, &solution.allocation) {
            let checked =
                check::check_allocation(&model, allocation).map_err(|e| format!("{n} nodes: allocation: {e}"))?;
            let bound = check::check_certificate(&model, &solution.certificate)
                .map_err(|e| format!("{n} nodes: certificate: {e}"))?;
            if checked != v || bound.ceil() > v as i128 {
                return Err(format!("{n} nodes: allocation {checked}, bound {}, value {v}", bound.ceil()));
            }
        }
    }
    if point.status == Status::Optimal {
        let b = point.curve.first().copied().flatten().ok_or("the curve has no baseline")?;
        let size = point
            .curve
            .iter()
            .enumerate()
            .skip(1)
            .take_while(|(n, v)| **v == Some(b.saturating_sub(*n as u32)) && *n as u32 <= b)
            .count() as u32;
        if point.optimal_deployment_size != Some(size) || point.objective_after != Some(b - size) {
            return Err(format!(
                "the curve gives size {size} and value after {}, the entry says {} and {}",
                b - size,
                shown(point.optimal_deployment_size),
                shown(point.objective_after)
            ));
        }
        if size < b && point.curve.len() as u32 != size + 2 {
            return Err(format!(
                "the curve stops at {} nodes, the size {size} needs the point after it",
                point.curve.len() - 1
            ));
        }
    }
    Ok(())
}

/// A number in a message, or `none` where there is none.
fn shown(x: Option<u32>) -> String {
    x.map_or("none".to_string(), |x| x.to_string())
}
