//! Property tests: on random small networks the solver agrees with an
//! independent brute force (every way to fill every subnet, memoised), the
//! certificate never claims more than the true optimum, and every allocation
//! the solver returns passes the checker.

use ic_topology::check;
use ic_topology::inputs::*;
use ic_topology::model::{self, Model};
use ic_topology::shortfall;
use ic_topology::solve::{self, Budget, Status};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Best value from (subnet, remaining class counts, provider minimums met).
type Memo = BTreeMap<(usize, Vec<u32>, Vec<bool>), Option<u32>>;

/// The true optimum by exhaustive search: `None` if no allocation exists.
fn brute_force(model: &Model) -> Option<u32> {
    let counts: Vec<u32> = model.classes.iter().map(|c| c.count()).collect();
    let mut memo = BTreeMap::new();
    best_from(model, 0, &mut counts.clone(), &mut vec![0; model.classes.len()], &mut memo)
}

/// Fewest synthetic nodes to fill subnets `s..`, given what remains of each class
/// and how many of each class were assigned so far (for provider minimums).
fn best_from(model: &Model, s: usize, remaining: &mut Vec<u32>, used: &mut Vec<u32>, memo: &mut Memo) -> Option<u32> {
    if s == model.subnets.len() {
        let ok = model.provider_minimums.iter().all(|p| p.classes.iter().any(|&c| used[c as usize] > 0))
            && model.spare_limits.iter().all(|l| l.classes.iter().map(|&c| used[c as usize]).sum::<u32>() <= l.most);
        return ok.then_some(0);
    }
    let served: Vec<bool> =
        model.provider_minimums.iter().map(|p| p.classes.iter().any(|&c| used[c as usize] > 0)).collect();
    let key = (s, remaining.clone(), served);
    if let Some(v) = memo.get(&key) {
        return *v;
    }
    let mut best: Option<u32> = None;
    let mut pick = vec![0u32; model.classes.len()];
    fill(model, s, 0, 0, &mut pick, remaining, used, memo, &mut best);
    memo.insert(key, best);
    best
}

#[allow(clippy::too_many_arguments)]
fn fill(
    model: &Model,
    s: usize,
    c: usize,
    taken: u32,
    pick: &mut Vec<u32>,
    remaining: &mut Vec<u32>,
    used: &mut Vec<u32>,
    memo: &mut Memo,
    best: &mut Option<u32>,
) {
    let subnet = &model.subnets[s];
    if c == model.classes.len() {
        if taken != subnet.size {
            return;
        }
        let entries: Vec<(u32, u32)> =
            pick.iter().enumerate().filter(|(_, &n)| n > 0).map(|(i, &n)| (i as u32, n)).collect();
        if !subnet_ok(model, s, &entries) {
            return;
        }
        let synthetic: u32 = entries.iter().filter(|(i, _)| model.classes[*i as usize].synthetic).map(|e| e.1).sum();
        for &(i, n) in &entries {
            remaining[i as usize] -= n;
            used[i as usize] += n;
        }
        if let Some(rest) = best_from(model, s + 1, remaining, used, memo) {
            let total = synthetic + rest;
            if best.is_none_or(|b| total < b) {
                *best = Some(total);
            }
        }
        for &(i, n) in &entries {
            remaining[i as usize] += n;
            used[i as usize] -= n;
        }
        return;
    }
    let class = &model.classes[c];
    let max = if subnet.admits(class) { remaining[c].min(subnet.size - taken) } else { 0 };
    for n in 0..=max {
        pick[c] = n;
        fill(model, s, c + 1, taken + n, pick, remaining, used, memo, best);
    }
    pick[c] = 0;
}

/// The least (units of shortfall, synthetic nodes), lexicographically, by
/// exhaustive search, stated on the model itself rather than on the solver's
/// relaxed model: each subnet takes at most its size, every "at most" limit
/// and class count holds, an "exactly" limit may fall short, each empty seat
/// is one unit and stands in for at most one missing node of one "exactly"
/// limit of its subnet, and each per-provider minimum left unmet is one unit.
/// `None` when not even that fills (exactly limits asking more than a size).
fn brute_force_shortfall(model: &Model) -> Option<(u32, u32)> {
    let counts: Vec<u32> = model.classes.iter().map(|c| c.count()).collect();
    let mut memo = BTreeMap::new();
    short_from(model, 0, &mut counts.clone(), &mut vec![0; model.classes.len()], &mut memo)
}

type ShortMemo = BTreeMap<(usize, Vec<u32>, Vec<bool>), Option<(u32, u32)>>;

fn short_from(
    model: &Model,
    s: usize,
    remaining: &mut Vec<u32>,
    used: &mut Vec<u32>,
    memo: &mut ShortMemo,
) -> Option<(u32, u32)> {
    if s == model.subnets.len() {
        let spare_ok =
            model.spare_limits.iter().all(|l| l.classes.iter().map(|&c| used[c as usize]).sum::<u32>() <= l.most);
        let unmet = model.provider_minimums.iter().filter(|p| p.classes.iter().all(|&c| used[c as usize] == 0)).count();
        return spare_ok.then_some((unmet as u32, 0));
    }
    let served: Vec<bool> =
        model.provider_minimums.iter().map(|p| p.classes.iter().any(|&c| used[c as usize] > 0)).collect();
    let key = (s, remaining.clone(), served);
    if let Some(v) = memo.get(&key) {
        return *v;
    }
    let mut best = None;
    let mut pick = vec![0u32; model.classes.len()];
    fill_short(model, s, 0, 0, &mut pick, remaining, used, memo, &mut best);
    memo.insert(key, best);
    best
}

#[allow(clippy::too_many_arguments)]
fn fill_short(
    model: &Model,
    s: usize,
    c: usize,
    taken: u32,
    pick: &mut Vec<u32>,
    remaining: &mut Vec<u32>,
    used: &mut Vec<u32>,
    memo: &mut ShortMemo,
    best: &mut Option<(u32, u32)>,
) {
    let subnet = &model.subnets[s];
    if c == model.classes.len() {
        let entries: Vec<(u32, u32)> =
            pick.iter().enumerate().filter(|(_, &n)| n > 0).map(|(i, &n)| (i as u32, n)).collect();
        let empty = subnet.size - taken;
        if !subnet_short_ok(model, s, &entries, empty) {
            return;
        }
        let synthetic: u32 = entries.iter().filter(|(i, _)| model.classes[*i as usize].synthetic).map(|e| e.1).sum();
        for &(i, n) in &entries {
            remaining[i as usize] -= n;
            used[i as usize] += n;
        }
        if let Some(rest) = short_from(model, s + 1, remaining, used, memo) {
            let total = (empty + rest.0, synthetic + rest.1);
            if best.is_none_or(|b| total < b) {
                *best = Some(total);
            }
        }
        for &(i, n) in &entries {
            remaining[i as usize] += n;
            used[i as usize] -= n;
        }
        return;
    }
    let class = &model.classes[c];
    let max = if subnet.admits(class) { remaining[c].min(subnet.size - taken) } else { 0 };
    for n in 0..=max {
        pick[c] = n;
        fill_short(model, s, c + 1, taken + n, pick, remaining, used, memo, best);
    }
    pick[c] = 0;
}

/// One subnet's limits with `empty` seats left empty: "at most" limits hold,
/// "exactly" limits are not exceeded and their missing nodes fit in the empty seats.
fn subnet_short_ok(model: &Model, s: usize, entries: &[(u32, u32)], empty: u32) -> bool {
    let subnet = &model.subnets[s];
    let mut per: BTreeMap<(Attribute, u32), u32> = BTreeMap::new();
    for &(c, n) in entries {
        for a in Attribute::ALL {
            *per.entry((a, model.classes[c as usize].values[a.index()])).or_default() += n;
        }
    }
    let mut missing = 0;
    for a in Attribute::ALL {
        for v in 0..model.values[a.index()].len() as u32 {
            let n = per.get(&(a, v)).copied().unwrap_or(0);
            let limit = subnet.limit(a, v);
            if n > limit.count {
                return false;
            }
            if limit.op == LimitOp::Exactly {
                missing += limit.count - n;
            }
        }
    }
    missing <= empty
}

/// Every limit of one subnet, checked from scratch.
fn subnet_ok(model: &Model, s: usize, entries: &[(u32, u32)]) -> bool {
    let subnet = &model.subnets[s];
    let mut per: BTreeMap<(Attribute, u32), u32> = BTreeMap::new();
    for &(c, n) in entries {
        for a in Attribute::ALL {
            *per.entry((a, model.classes[c as usize].values[a.index()])).or_default() += n;
        }
    }
    for a in Attribute::ALL {
        for v in 0..model.values[a.index()].len() as u32 {
            let n = per.get(&(a, v)).copied().unwrap_or(0);
            let limit = subnet.limit(a, v);
            let ok = match limit.op {
                LimitOp::AtMost => n <= limit.count,
                LimitOp::Exactly => n == limit.count,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

/// The spare limits as the reference's `enforce_spare_nodes` states them,
/// derived here from the classes: per (data center, original provider), the
/// classes of available, non-blacklisted nodes and floor(n x (1 - ratio)),
/// pairs where that is 0 left out.
fn spare_limits_by_hand(model: &Model, ratio: Option<f64>) -> Vec<(Vec<u32>, u32)> {
    let Some(ratio) = ratio.filter(|&r| r != 0.0) else { return vec![] };
    let mut pairs: BTreeMap<(u32, String), (u32, Vec<u32>)> = BTreeMap::new();
    for (c, class) in model.classes.iter().enumerate() {
        if !class.uncounted {
            let e = pairs
                .entry((class.values[Attribute::DataCenter.index()], class.original_provider.clone()))
                .or_default();
            e.0 += class.count();
            e.1.push(c as u32);
        }
    }
    pairs
        .into_values()
        .map(|(n, classes)| (classes, (n as f64 * (1.0 - ratio)).floor() as u32))
        .filter(|(_, most)| *most > 0)
        .collect()
}

fn node(i: usize, provider: u8, dc: u8, owner: u8, country: &str, status: &str) -> RegistryNode {
    RegistryNode {
        node_id: format!("node-{i}"),
        node_provider_name: if provider == 0 { "DFINITY Stiftung".into() } else { format!("Provider {provider}") },
        node_provider_id: format!("principal-{provider}"),
        node_operator_id: format!("operator-{provider}-{dc}"),
        data_center: format!("dc{dc}"),
        data_center_provider: format!("Owner {owner}"),
        region: format!("Europe,{country},City"),
        node_type: Some("REPLICA".into()),
        status: status.into(),
        subnet_id: None,
    }
}

prop_compose! {
    fn small_inputs()(
        rules in prop::sample::select(RuleSet::ALL.to_vec()),
        raw_nodes in prop::collection::vec(
            (0u8..4, 0u8..5, 0u8..3, prop::sample::select(vec!["CH", "DE", "US", "AR"]), prop::sample::select(vec!["UP", "UP", "UP", "DOWN"])),
            1..9),
        subnets in prop::collection::vec(
            (2u32..5, any::<bool>(), 1u32..3, 1u32..3, prop::sample::select(vec!["Application", "Swiss Subnet", "European Subnet", "NNS", "US Subnet"])),
            1..4),
        synthetic_countries in 0u32..2,
        sev_providers in prop::collection::vec(0u8..4, 0..3),
        flags in (any::<bool>(), any::<bool>(), any::<bool>()),
        special in prop::option::of((0u8..4, 0u32..3, any::<bool>())),
        candidates in prop::collection::vec((0u8..6, 0u8..6, prop::sample::select(vec!["CH", "AR"]), any::<bool>(), 1u32..3), 0..2),
        spare in prop::option::of(prop::sample::select(vec![0.0, 0.1, 0.25, 0.5, 0.8])),
    ) -> (Inputs, Vec<CandidateRow>) {
        let nodes: Vec<RegistryNode> = raw_nodes
            .iter()
            .enumerate()
            .map(|(i, &(p, d, o, c, st))| node(i, p, d, o, c, st))
            .collect();
        let topology = subnets
            .iter()
            .map(|&(size, is_sev, lp, lc, ty)| SubnetSpec {
                subnet_type: ty.into(),
                subnet_id: None,
                size,
                is_sev,
                limits: [lp, 1, lp, lc],
            })
            .collect();
        let special_limits = special.map(|(p, n, exact)| {
            let mut s: SpecialLimits = BTreeMap::new();
            let name = if p == 0 { "DFINITY".to_string() } else { format!("Provider {p}") };
            s.entry(SpecialLimitScope::Default).or_default().entry(Attribute::NodeProvider).or_default().insert(
                name,
                SpecialLimit { count: n, op: if exact { LimitOp::Exactly } else { LimitOp::AtMost } },
            );
            s
        });
        let settings = Settings {
            rules,
            synthetic_countries,
            enforce_sev: flags.0,
            enforce_health: flags.1,
            enforce_blacklist: false,
            enforce_per_provider_minimum: flags.2,
            special_limits_reading: Default::default(),
            spare_node_ratio: spare.and_then(SpareNodeRatio::new),
        };
        let inputs = Inputs {
            settings,
            nodes,
            pipeline: vec![],
            topology,
            sev_providers: sev_providers.iter().map(|p| format!("Provider {p}")).collect(),
            cordons: vec![],
            clusters: vec![],
            special_limits,
            country_restrictions: None,
            warnings: vec![],
        };
        let candidates = candidates
            .iter()
            .map(|&(p, d, c, sev, n)| CandidateRow {
                node_provider: format!("Provider {p}"),
                data_center: format!("dc{d}"),
                data_center_provider: "Owner 9".into(),
                country: c.into(),
                is_sev: sev,
                no_nodes: n,
            })
            .collect();
        (inputs, candidates)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// The curve, solved by bisection over monotone stretches, equals solving
    /// every point on its own.
    #[test]
    fn curve_by_bisection_equals_every_point_solved((inputs, mut candidates) in small_inputs(), extra in 0u32..4) {
        if let Some(first) = candidates.first_mut() {
            first.no_nodes += extra;
        }
        let (_, ev) = ic_topology::evaluate::evaluate(&inputs, &candidates, Budget::default());
        let total: u32 = candidates.iter().map(|c| c.no_nodes).sum();
        prop_assert_eq!(ev.curve.len() as u32, total + 1);
        for point in &ev.curve {
            let mut left = point.nodes;
            let prefix: Vec<CandidateRow> = candidates
                .iter()
                .filter_map(|c| {
                    let take = c.no_nodes.min(left);
                    left -= take;
                    (take > 0).then(|| CandidateRow { no_nodes: take, ..c.clone() })
                })
                .collect();
            let point_model = model::build(&inputs, &prefix);
            let alone = solve::solve(&point_model, Budget::default());
            prop_assert_eq!(point.status, alone.status, "point {}", point.nodes);
            prop_assert_eq!(point.objective, alone.objective, "point {}", point.nodes);
            // Where the point is infeasible, its shortfall is that of the point solved alone.
            if alone.status == Status::Infeasible {
                let short = shortfall::solve(&point_model, Budget::default());
                prop_assert_eq!(point.shortfall, short.seats, "point {}", point.nodes);
                prop_assert_eq!(point.shortfall_objective, short.objective, "point {}", point.nodes);
            } else {
                prop_assert_eq!(point.shortfall, Some(0).filter(|_| alone.status == Status::Optimal));
            }
        }
    }

    #[test]
    fn solver_matches_brute_force((inputs, candidates) in small_inputs()) {
        let model = model::build(&inputs, &candidates);
        // Keep the exhaustive search small.
        prop_assume!(model.classes.len() <= 12);
        let by_hand = spare_limits_by_hand(&model, inputs.settings.spare_node_ratio.map(|r| r.get()));
        let built: Vec<(Vec<u32>, u32)> = model.spare_limits.iter().map(|l| (l.classes.clone(), l.most)).collect();
        prop_assert_eq!(built, by_hand);
        let truth = brute_force(&model);
        let solution = solve::solve(&model, Budget::default());
        let bound = check::check_certificate(&model, &solution.certificate).expect("the solver's certificate checks");
        match truth {
            Some(opt) => {
                prop_assert_eq!(solution.status, Status::Optimal, "optimum {} exists", opt);
                prop_assert_eq!(solution.objective, Some(opt));
                prop_assert!(bound.ceil() <= opt as i128, "certificate claims {} > optimum {}", bound.ceil(), opt);
                prop_assert_eq!(solution.certificate_is_tight, bound.ceil() >= opt as i128);
                let allocation = solution.allocation.as_ref().expect("optimal has an allocation");
                prop_assert_eq!(check::check_allocation(&model, allocation), Ok(opt));
            }
            None => {
                prop_assert_eq!(solution.status, Status::Infeasible);
                prop_assert_eq!(solution.objective, None);
            }
        }
    }

    /// Starting from neighbours (models of the same network with other
    /// candidates, solved) changes nothing but the work: the same status and
    /// value as brute force, a checked allocation and a valid certificate.
    #[test]
    fn solving_near_neighbours_matches_brute_force(
        (inputs, candidates) in small_inputs(),
        (_, other) in small_inputs(),
        (_, third) in small_inputs(),
    ) {
        let model = model::build(&inputs, &candidates);
        prop_assume!(model.classes.len() <= 12);
        let truth = brute_force(&model);
        let neighbours: Vec<solve::Neighbour> = [&other, &third, &vec![]]
            .into_iter()
            .map(|c| {
                let m = model::build(&inputs, c);
                let s = solve::solve(&m, Budget::default());
                solve::Neighbour::new(&m, &s)
            })
            .collect();
        let near: Vec<&solve::Neighbour> = neighbours.iter().collect();
        // Without leave to solve, the neighbours alone: the optimum, or bounds around it.
        let quick = solve::solve_near(&model, Budget::default(), &near, false);
        prop_assert_eq!(quick.work.lp_solves, 0);
        match (quick.status, truth) {
            (Status::Optimal, Some(opt)) => prop_assert_eq!(quick.objective, Some(opt)),
            (Status::BudgetExceeded, Some(opt)) => {
                prop_assert!(quick.lower_bound <= opt && quick.upper_bound.is_none_or(|u| u >= opt));
            }
            (Status::BudgetExceeded, None) => prop_assert_eq!(quick.upper_bound, None),
            (Status::Infeasible, None) => {}
            (status, truth) => prop_assert!(false, "neighbours alone gave {:?}, the truth is {:?}", status, truth),
        }
        let solution = solve::solve_near(&model, Budget::default(), &near, true);
        let bound = check::check_certificate(&model, &solution.certificate).expect("the certificate checks");
        match truth {
            Some(opt) => {
                prop_assert_eq!(solution.status, Status::Optimal, "optimum {} exists", opt);
                prop_assert_eq!(solution.objective, Some(opt));
                prop_assert!(bound.ceil() <= opt as i128, "certificate claims {} > optimum {}", bound.ceil(), opt);
                let allocation = solution.allocation.as_ref().expect("optimal has an allocation");
                prop_assert_eq!(check::check_allocation(&model, allocation), Ok(opt));
            }
            None => {
                prop_assert_eq!(solution.status, Status::Infeasible);
                prop_assert_eq!(solution.objective, None);
            }
        }
    }

    /// The shortfall is the lexicographic optimum (least units, then least
    /// synthetic nodes) that exhaustive search finds on the model itself; its
    /// allocation and certificate check; where the model is feasible it is
    /// (0, the ObjectiveValue), where not, at least one unit.
    #[test]
    fn shortfall_matches_lexicographic_brute_force((inputs, candidates) in small_inputs()) {
        let model = model::build(&inputs, &candidates);
        prop_assume!(model.classes.len() <= 12);
        let truth = brute_force_shortfall(&model);
        let answer = shortfall::solve(&model, Budget::default());
        match truth {
            Some((units, synthetic)) => {
                prop_assert_eq!(answer.status, Status::Optimal, "optimum {:?} exists", truth);
                prop_assert_eq!((answer.seats, answer.objective), (Some(units), Some(synthetic)));
                let allocation = answer.allocation.as_ref().expect("optimal has an allocation");
                let checked = shortfall::check_shortfall(&model, allocation, &answer.certificate).expect("checks");
                prop_assert_eq!((checked.seats, checked.objective), (units, synthetic));
                let value = answer.weight as i128 * units as i128 + synthetic as i128;
                prop_assert!(checked.bound.ceil() <= value, "certificate claims {} > {}", checked.bound.ceil(), value);
                prop_assert_eq!(answer.certificate_is_tight, checked.proven);
                match brute_force(&model) {
                    Some(opt) => prop_assert_eq!((units, synthetic), (0, opt)),
                    None => prop_assert!(units > 0),
                }
            }
            None => prop_assert_eq!(answer.status, Status::Infeasible),
        }
    }
}
