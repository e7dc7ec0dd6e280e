//! The optimisation model, built from the inputs under one rule set.
//!
//! This is where the reference's rules live: which nodes count, how provider
//! names are normalised and clustered, which nodes are SEV-capable, which
//! synthetic nodes exist, and which limits each subnet has. The result is a
//! small, canonical model: identical nodes are grouped into classes (the
//! class's node count is its bound), values are interned in sorted order, and
//! every limit is explicit. The solver, the checker and the certificate all
//! work on this model, so the checker re-checks exactly what was solved.

use crate::inputs::{
    Attribute, CandidateRow, Cordon, CountryRestriction, Inputs, LimitOp, PlannedNode, RegistryNode, RuleSet,
    SpecialLimit, SpecialLimitScope, SpecialLimits, SpecialLimitsReading,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Synthetic countries each have this many synthetic providers...
pub const SYNTHETIC_PROVIDERS_PER_COUNTRY: u32 = 5;
/// ...and each synthetic provider has this many nodes.
pub const SYNTHETIC_NODES_PER_PROVIDER: u32 = 4;
/// A provider needs this many counted nodes (available and not blacklisted,
/// whatever the switches say) for the per-provider minimum (2025).
pub const PROVIDER_MINIMUM_THRESHOLD: usize = 4;

/// The countries of the reference's "European Subnet" (its list, `UK` included).
pub const EUROPEAN_COUNTRIES: [&str; 45] = [
    "AL", "AD", "AT", "BE", "BA", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IS", "IE", "IT",
    "XK", "LV", "LI", "LT", "LU", "MT", "MD", "MC", "ME", "NL", "MK", "NO", "PL", "PT", "RO", "SM", "RS", "SK", "SI",
    "ES", "SE", "CH", "UA", "GB", "VA", "UK",
];

/// Where a node of the model comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A node of the registry.
    Registry,
    /// A node of the pipeline.
    Pipeline,
    /// A candidate node.
    Candidate,
    /// A synthetic node.
    Synthetic,
}

/// Identical nodes: same value of every attribute, same pre-cluster provider,
/// same SEV capability, origin kind (synthetic or not) and standing for the
/// per-provider minimum (counted or not).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeClass {
    /// Value index per attribute (into [`Model::values`]).
    pub values: [u32; 4],
    /// The provider's name before clustering (per-provider minimum groups by it).
    pub original_provider: String,
    /// Whether its nodes are SEV-capable.
    pub is_sev: bool,
    /// Whether its nodes are synthetic (they count in the objective).
    pub synthetic: bool,
    /// Assignable, but DOWN, DEGRADED or blacklisted: possible only with the
    /// health or the blacklist switch off. Such nodes neither count toward a
    /// provider's per-provider minimum nor satisfy it (the reference decides
    /// both from availability and the blacklist, whatever the switches say).
    /// Never set with both switches on, and then left out of the serialised
    /// model, so models of that configuration read as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub uncounted: bool,
    /// The node ids of the class, in canonical order; the count is the class's bound.
    pub members: Vec<String>,
}

impl NodeClass {
    /// Its number of nodes: the class's bound.
    pub fn count(&self) -> u32 {
        self.members.len() as u32
    }
}

/// One subnet of the target topology with all its limits made explicit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subnet {
    /// The subnet's type.
    pub subnet_type: String,
    /// The subnet's id, where the topology gives one.
    pub subnet_id: Option<String>,
    /// Its number of nodes.
    pub size: u32,
    /// Only SEV-capable nodes (is_sev subnet with the SEV constraint enforced).
    pub sev_only: bool,
    /// The default per-value limit of each attribute.
    pub limits: [u32; 4],
    /// Per-value limits replacing the default, sorted by (attribute, value).
    /// Values not present in the model are dropped (as in the reference).
    pub special: Vec<(Attribute, u32, SpecialLimit)>,
    /// Country-restricted subnets: the allowed country value indices, sorted.
    pub allowed_countries: Option<Vec<u32>>,
}

impl Subnet {
    /// The limit on `value` of `attribute` in this subnet.
    pub fn limit(&self, attribute: Attribute, value: u32) -> SpecialLimit {
        match self.special.binary_search_by(|(a, v, _)| (*a, *v).cmp(&(attribute, value))) {
            Ok(i) => self.special[i].2,
            Err(_) => SpecialLimit { count: self.limits[attribute.index()], op: LimitOp::AtMost },
        }
    }

    /// Whether a node of `class` may be assigned to this subnet at all.
    pub fn admits(&self, class: &NodeClass) -> bool {
        if self.sev_only && !class.is_sev {
            return false;
        }
        match &self.allowed_countries {
            Some(allowed) => allowed.binary_search(&class.values[Attribute::Country.index()]).is_ok(),
            None => true,
        }
    }

    /// The most nodes of `class` this subnet can take.
    pub fn class_cap(&self, class: &NodeClass) -> u32 {
        if !self.admits(class) {
            return 0;
        }
        let mut cap = class.count().min(self.size);
        for a in Attribute::ALL {
            cap = cap.min(self.limit(a, class.values[a.index()]).count);
        }
        cap
    }
}

/// At least one node of these classes must be assigned (2025 per-provider rule).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMinimum {
    /// The provider, by its name before clustering.
    pub provider: String,
    /// The classes of its usable nodes.
    pub classes: Vec<u32>,
}

/// At most `most` nodes of these classes are assigned, over all subnets: one
/// (data center, original provider) pair's available, non-blacklisted nodes
/// under `spare_node_ratio` (the reference's `enforce_spare_nodes`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpareLimit {
    /// The data center (value index of [`Attribute::DataCenter`]).
    pub data_center: u32,
    /// The provider, by its name before clustering.
    pub provider: String,
    /// The classes of the pair's available, non-blacklisted nodes, ascending.
    pub classes: Vec<u32>,
    /// floor(n x (1 - ratio)) for the classes' n nodes; never 0 (the rule is
    /// skipped for such a pair).
    pub most: u32,
}

/// Nodes that exist but that no subnet may take, by reason (for reports).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    /// API boundary nodes (2025 rules).
    pub api_boundary: u32,
    /// DOWN or DEGRADED nodes, with health enforced.
    pub unhealthy: u32,
    /// Cordoned nodes, with the blacklist enforced.
    pub cordoned: u32,
}

/// The model: what the solver solves and the checker checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    /// The rule set it was built under.
    pub rules: RuleSet,
    /// Interned values per attribute, sorted; includes values of excluded nodes
    /// (an "exactly" limit on a value whose nodes are all excluded is infeasible).
    pub values: [Vec<String>; 4],
    /// The node classes, real and synthetic, in canonical order.
    pub classes: Vec<NodeClass>,
    /// The subnets, in the topology's order.
    pub subnets: Vec<Subnet>,
    /// The per-provider minimums (2025 rules, when enforced).
    pub provider_minimums: Vec<ProviderMinimum>,
    /// The spare-node limits (`spare_node_ratio`), sorted by (data center,
    /// provider); empty, and then left out of the serialised model, without
    /// the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spare_limits: Vec<SpareLimit>,
    /// The nodes no subnet may take, counted by reason.
    pub excluded: Excluded,
}

impl Model {
    /// The value of `attribute` at `index`.
    pub fn value(&self, attribute: Attribute, index: u32) -> &str {
        &self.values[attribute.index()][index as usize]
    }

    /// The index of `value` of `attribute`, if the model has it.
    pub fn value_index(&self, attribute: Attribute, value: &str) -> Option<u32> {
        self.values[attribute.index()].binary_search_by(|v| v.as_str().cmp(value)).ok().map(|i| i as u32)
    }

    /// Synthetic nodes in all.
    pub fn synthetic_nodes(&self) -> u32 {
        self.classes.iter().filter(|c| c.synthetic).map(|c| c.count()).sum()
    }

    /// Usable real nodes in all.
    pub fn real_nodes(&self) -> u32 {
        self.classes.iter().filter(|c| !c.synthetic).map(|c| c.count()).sum()
    }
}

/// The reference's country-restricted subnet types at each version.
pub fn default_country_restrictions(rules: RuleSet) -> Vec<CountryRestriction> {
    let r = |t: &str, list: &[&str]| CountryRestriction {
        subnet_type: t.to_string(),
        countries: list.iter().map(|c| c.to_string()).collect(),
    };
    match rules {
        RuleSet::Dec2023 => vec![],
        RuleSet::Nov2024 => vec![r("Swiss Subnet", &["CH"]), r("European Subnet", &EUROPEAN_COUNTRIES)],
        RuleSet::Y2025 => {
            vec![r("European Subnet", &EUROPEAN_COUNTRIES), r("Swiss Subnet", &["CH"]), r("US Subnet", &["US"])]
        }
    }
}

/// A node after the rule set's normalisation, before grouping.
struct FlatNode {
    id: String,
    provider: String,
    original_provider: String,
    provider_id: Option<String>,
    operator: Option<String>,
    data_center: String,
    data_center_provider: String,
    country: String,
    is_sev: bool,
    /// Assignable under the switches.
    usable: bool,
    /// Available (not DOWN or DEGRADED), whatever the health switch says; the
    /// blacklist is applied in [`Prepared::add`].
    available: bool,
    synthetic: bool,
}

/// Build the model for `inputs` with `candidates` added (as the reference adds
/// them: after the pipeline, before the synthetic nodes).
pub fn build(inputs: &Inputs, candidates: &[CandidateRow]) -> Model {
    Prepared::new(inputs).build(candidates)
}

/// What every model of the same inputs shares, whatever the candidates: the
/// registry, pipeline and synthetic nodes normalised, clustered and cordoned,
/// their values and their classes (named by value, not yet by index). A
/// candidate curve builds many models of one input; each then only adds its
/// candidate nodes. [`build`] is `Prepared::new(inputs).build(candidates)`.
pub struct Prepared<'a> {
    inputs: &'a Inputs,
    excluded: Excluded,
    values: [BTreeSet<String>; 4],
    groups: BTreeMap<NamedClassKey, Vec<String>>,
}

/// A class named by its values: ordering these keys orders classes exactly as
/// their value indices do, since values are interned in sorted order. The
/// fields after the values: original provider, SEV, synthetic, uncounted.
type NamedClassKey = ([String; 4], String, bool, bool, bool);

impl<'a> Prepared<'a> {
    /// What every model of `inputs` shares, whatever the candidates.
    pub fn new(inputs: &'a Inputs) -> Prepared<'a> {
        let settings = inputs.settings;
        let rules = settings.rules;
        let sev_providers: BTreeSet<&str> = inputs.sev_providers.iter().map(String::as_str).collect();
        let mut prepared =
            Prepared { inputs, excluded: Excluded::default(), values: Default::default(), groups: BTreeMap::new() };
        for n in &inputs.nodes {
            // From 2025 on, API boundary nodes are not replicas and do not count.
            if rules == RuleSet::Y2025 && n.node_type.as_deref() == Some("API_BOUNDARY") {
                prepared.excluded.api_boundary += 1;
                continue;
            }
            let country = registry_country(rules, &n.region);
            let provider = registry_provider(rules, n);
            let healthy = !matches!(n.status.trim().to_ascii_uppercase().as_str(), "DOWN" | "DEGRADED");
            prepared.add(FlatNode {
                id: n.node_id.clone(),
                original_provider: provider.clone(),
                provider,
                provider_id: Some(n.node_provider_id.clone()),
                operator: Some(n.node_operator_id.clone()),
                data_center: n.data_center.clone(),
                data_center_provider: n.data_center_provider.clone(),
                country,
                // SEV capability goes by the provider's name as listed, before renames.
                is_sev: sev_providers.contains(n.node_provider_name.as_str()),
                usable: !settings.enforce_health || healthy,
                available: healthy,
                synthetic: false,
            });
        }
        for (i, p) in inputs.pipeline.iter().enumerate() {
            prepared.add(planned_node(p, format!("pipeline-{}", i + 1)));
        }
        let prefix = if rules == RuleSet::Y2025 { "SYNTHETIC_" } else { "" };
        let mut provider_index = 0;
        for c in 1..=settings.synthetic_countries {
            for _ in 0..SYNTHETIC_PROVIDERS_PER_COUNTRY {
                provider_index += 1;
                for j in 0..SYNTHETIC_NODES_PER_PROVIDER {
                    let np = format!("{prefix}NP{provider_index}");
                    prepared.add(FlatNode {
                        id: format!("synthetic-C{c}-{}-{j}", provider_index - 1),
                        original_provider: np.clone(),
                        provider: np,
                        provider_id: None,
                        operator: None,
                        data_center: format!("{prefix}DC{provider_index}"),
                        data_center_provider: format!("{prefix}DCP{provider_index}"),
                        country: format!("C{c}"),
                        is_sev: true,
                        usable: true,
                        available: true,
                        synthetic: true,
                    });
                }
            }
        }
        prepared
    }

    /// Add one node: clusters rename its provider (in file order; the
    /// pre-cluster name is kept for the per-provider minimum), cordons exclude
    /// it, its values are interned (of usable and excluded nodes alike: an
    /// "exactly" limit on a value whose nodes are all excluded is
    /// infeasible), and a usable node joins its class.
    fn add(&mut self, mut n: FlatNode) {
        for cluster in &self.inputs.clusters {
            if cluster.members.contains(&n.provider) {
                n.provider = cluster.name.clone();
            }
        }
        if !n.usable {
            self.excluded.unhealthy += 1;
        }
        // Blacklisted whatever the switch says: the per-provider minimum reads it.
        let blacklisted = self.inputs.cordons.iter().any(|c| cordons(c, &n));
        if self.inputs.settings.enforce_blacklist && blacklisted {
            if n.usable {
                self.excluded.cordoned += 1;
            }
            n.usable = false;
        }
        let uncounted = !n.available || blacklisted;
        for (a, v) in Attribute::ALL.iter().zip(attribute_values(&n)) {
            if !self.values[a.index()].contains(v) {
                self.values[a.index()].insert(v.to_string());
            }
        }
        if n.usable {
            let FlatNode { id, provider, original_provider, data_center, data_center_provider, country, .. } = n;
            let key = (
                [provider, data_center, data_center_provider, country],
                original_provider,
                n.is_sev,
                n.synthetic,
                uncounted,
            );
            self.groups.entry(key).or_default().push(id);
        }
    }

    /// The model with `candidates` added.
    pub fn build(&self, candidates: &[CandidateRow]) -> Model {
        let inputs = self.inputs;
        let settings = inputs.settings;
        let mut with =
            Prepared { inputs, excluded: self.excluded.clone(), values: Default::default(), groups: BTreeMap::new() };
        let mut k = 0;
        for row in candidates {
            for p in row.nodes() {
                k += 1;
                with.add(planned_node(&p, format!("candidate-{k}")));
            }
        }
        let excluded = with.excluded;
        let values: [Vec<String>; 4] = std::array::from_fn(|a| {
            let mut all: Vec<String> = self.values[a].union(&with.values[a]).cloned().collect();
            all.dedup();
            all
        });
        let index_of =
            |a: usize, v: &str| -> u32 { values[a].binary_search_by(|x| x.as_str().cmp(v)).expect("interned") as u32 };
        // Classes in canonical order: the shared ones and the candidates' merged by key.
        let mut classes: Vec<NodeClass> = Vec::with_capacity(self.groups.len() + with.groups.len());
        let mut shared = self.groups.iter().peekable();
        let mut added = with.groups.into_iter().peekable();
        loop {
            let (key, mut members) = match (shared.peek(), added.peek()) {
                (None, None) => break,
                (Some((ks, _)), Some((ka, _))) if ka < *ks => added.next().expect("peeked"),
                (Some((ks, _)), Some((ka, _))) if ka == *ks => {
                    let (key, mut members) = added.next().expect("peeked");
                    let (_, shared_members) = shared.next().expect("peeked");
                    members.extend(shared_members.iter().cloned());
                    (key, members)
                }
                (Some(_), _) => {
                    let (key, members) = shared.next().expect("peeked");
                    (key.clone(), members.clone())
                }
                (None, Some(_)) => added.next().expect("peeked"),
            };
            members.sort();
            let (names, original_provider, is_sev, synthetic, uncounted) = key;
            let values = std::array::from_fn(|a| index_of(a, &names[a]));
            classes.push(NodeClass { values, original_provider, is_sev, synthetic, uncounted, members });
        }

        let subnets = build_subnets(inputs, &values);

        // The reference's `add_per_node_provider_constraint`: a provider with
        // at least 4 available, non-blacklisted nodes (whatever the health and
        // blacklist switches say) gets at least one of THOSE nodes assigned.
        // Its other nodes (assignable with a switch off) do not count.
        let mut provider_minimums = Vec::new();
        if settings.enforce_per_provider_minimum {
            let mut by_provider: BTreeMap<&str, (usize, Vec<u32>)> = BTreeMap::new();
            for (i, c) in classes.iter().enumerate() {
                if c.synthetic || c.uncounted {
                    continue;
                }
                let e = by_provider.entry(c.original_provider.as_str()).or_default();
                e.0 += c.members.len();
                e.1.push(i as u32);
            }
            for (provider, (count, classes)) in by_provider {
                if count >= PROVIDER_MINIMUM_THRESHOLD && !provider.starts_with("SYNTHETIC") {
                    provider_minimums.push(ProviderMinimum { provider: provider.to_string(), classes });
                }
            }
        }

        // The reference's `enforce_spare_nodes`: for every (data center,
        // original provider) pair, of its nodes that are available and not
        // blacklisted (whatever the switches say; registry, pipeline,
        // candidate and synthetic nodes alike, as its node table holds them
        // all), at most floor(n x (1 - ratio)) are assigned; skipped where
        // that is 0. A ratio of 0 is no rule.
        let mut spare_limits = Vec::new();
        if let Some(ratio) = settings.spare_node_ratio.filter(|r| r.get() != 0.0) {
            let mut by_pair: BTreeMap<(u32, &str), (usize, Vec<u32>)> = BTreeMap::new();
            for (i, c) in classes.iter().enumerate() {
                if c.uncounted {
                    continue;
                }
                let e =
                    by_pair.entry((c.values[Attribute::DataCenter.index()], c.original_provider.as_str())).or_default();
                e.0 += c.members.len();
                e.1.push(i as u32);
            }
            for ((data_center, provider), (n, classes)) in by_pair {
                let most = ratio.allowed(n);
                if most > 0 {
                    spare_limits.push(SpareLimit { data_center, provider: provider.to_string(), classes, most });
                }
            }
        }

        Model { rules: settings.rules, values, classes, subnets, provider_minimums, spare_limits, excluded }
    }
}

fn planned_node(p: &PlannedNode, id: String) -> FlatNode {
    FlatNode {
        id: p.node_id.clone().unwrap_or(id),
        original_provider: p.node_provider.clone(),
        provider: p.node_provider.clone(),
        provider_id: None,
        operator: None,
        data_center: p.data_center.clone(),
        data_center_provider: p.data_center_provider.clone(),
        country: p.country.clone(),
        is_sev: p.is_sev,
        usable: true,
        available: true,
        synthetic: false,
    }
}

fn attribute_values(n: &FlatNode) -> [&str; 4] {
    [&n.provider, &n.data_center, &n.data_center_provider, &n.country]
}

fn cordons(c: &Cordon, n: &FlatNode) -> bool {
    crate::cordoned::matches(
        c,
        &crate::cordoned::Fields {
            id: &n.id,
            provider_id: n.provider_id.as_deref(),
            operator: n.operator.as_deref(),
            data_center: &n.data_center,
            data_center_provider: &n.data_center_provider,
        },
    )
}

/// A registry node's provider name after the rule set's renames (before clusters).
pub fn registry_provider(rules: RuleSet, n: &RegistryNode) -> String {
    let mut provider = n.node_provider_name.clone();
    if rules != RuleSet::Y2025 {
        // The 2023/2024 code grouped two aggregators' data centers under one name.
        match n.data_center.as_str() {
            "tp1" | "at1" | "fm1" => provider = "Aggregator: Palnu Logistics".to_string(),
            "sj1" => provider = "Aggregator: TH Glick".to_string(),
            _ => {}
        }
    }
    if provider.starts_with("DFINITY") {
        provider = "DFINITY".to_string();
    }
    provider
}

/// A registry node's value of each attribute, as the model names them
/// (renames, then clusters in file order).
pub fn registry_node_values(inputs: &Inputs, n: &RegistryNode) -> [String; 4] {
    let rules = inputs.settings.rules;
    let mut provider = registry_provider(rules, n);
    for cluster in &inputs.clusters {
        if cluster.members.contains(&provider) {
            provider = cluster.name.clone();
        }
    }
    [provider, n.data_center.clone(), n.data_center_provider.clone(), registry_country(rules, &n.region)]
}

/// The country of a registry node: the second field of "Continent,CC,City".
/// The 2023/2024 code took it verbatim; the 2025 code trims it and uses
/// "UNKNOWN" when the region has no second field.
pub fn registry_country(rules: RuleSet, region: &str) -> String {
    let second = region.split(',').nth(1);
    match (rules, second) {
        (RuleSet::Y2025, Some(s)) => s.trim().to_string(),
        (RuleSet::Y2025, None) => "UNKNOWN".to_string(),
        (_, Some(s)) => s.to_string(),
        // The files reader rejects such a region for the older rule sets.
        (_, None) => String::new(),
    }
}

fn build_subnets(inputs: &Inputs, values: &[Vec<String>; 4]) -> Vec<Subnet> {
    let settings = inputs.settings;
    let rules = settings.rules;
    let lookup = |a: Attribute, v: &str| -> Option<u32> {
        values[a.index()].binary_search_by(|x| x.as_str().cmp(v)).ok().map(|i| i as u32)
    };

    // The reference's defaults when no special-limits file is given (2025 only).
    let default_special = || {
        let mut s: SpecialLimits = BTreeMap::new();
        let nns = SpecialLimitScope::SubnetType("NNS".to_string());
        let at_most = |n| SpecialLimit { count: n, op: LimitOp::AtMost };
        let e = s.entry(nns).or_default();
        e.entry(Attribute::NodeProvider)
            .or_default()
            .insert("DFINITY".into(), SpecialLimit { count: 3, op: LimitOp::Exactly });
        let dc = e.entry(Attribute::DataCenter).or_default();
        dc.insert("sh1".into(), at_most(2));
        dc.insert("zh2".into(), at_most(2));
        let dcp = e.entry(Attribute::DataCenterProvider).or_default();
        dcp.insert("Everyware".into(), at_most(2));
        dcp.insert("Digital Realty".into(), at_most(2));
        s
    };
    let by_subnet_id = settings.special_limits_reading == SpecialLimitsReading::BySubnetId;
    let special = match (&inputs.special_limits, rules) {
        (Some(s), _) => s.clone(),
        (None, RuleSet::Y2025) if by_subnet_id => {
            // The newer reading's defaults: DFINITY exactly 1 as the `default`
            // special limit, and the NNS limits for the first NNS subnet (the
            // reference keys them by its subnet id; see `nns_defaults`).
            let mut s: SpecialLimits = BTreeMap::new();
            s.entry(SpecialLimitScope::Default)
                .or_default()
                .entry(Attribute::NodeProvider)
                .or_default()
                .insert("DFINITY".into(), SpecialLimit { count: 1, op: LimitOp::Exactly });
            s
        }
        (None, RuleSet::Y2025) => default_special(),
        (None, _) => BTreeMap::new(),
    };

    // The newer reading without a file: the NNS defaults belong to the first
    // NNS subnet (by position, so a topology without subnet ids gets them too;
    // the reference looks its id up and stops without one).
    let nns_defaults = (by_subnet_id && inputs.special_limits.is_none() && rules == RuleSet::Y2025)
        .then(|| inputs.topology.iter().position(|t| t.subnet_type == "NNS"))
        .flatten()
        .map(|i| (i, default_special().remove(&SpecialLimitScope::SubnetType("NNS".to_string())).unwrap_or_default()));

    // Country restrictions apply to the first subnet of the type, as in the reference.
    let restrictions = inputs.country_restrictions.clone().unwrap_or_else(|| default_country_restrictions(rules));
    let mut restricted_first: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &restrictions {
        if let Some(i) = inputs.topology.iter().position(|s| s.subnet_type == r.subnet_type) {
            restricted_first.entry(r.subnet_type.as_str()).or_insert(i);
        }
    }

    let dfinity = lookup(Attribute::NodeProvider, "DFINITY");
    inputs
        .topology
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            // Merge scopes value by value: default < subnet type < subnet id.
            let mut merged: BTreeMap<(Attribute, u32), SpecialLimit> = BTreeMap::new();
            // The newer reading has no subnet-type scope (the files reader refuses such keys).
            let mut scopes = vec![SpecialLimitScope::Default];
            if !by_subnet_id {
                scopes.push(SpecialLimitScope::SubnetType(spec.subnet_type.clone()));
            }
            if let Some(id) = &spec.subnet_id {
                scopes.push(SpecialLimitScope::SubnetId(id.clone()));
            }
            let own_defaults = nns_defaults.as_ref().filter(|(n, _)| *n == i).map(|(_, block)| block);
            for by_attr in scopes.iter().filter_map(|scope| special.get(scope)).chain(own_defaults) {
                for (a, by_value) in by_attr {
                    for (v, limit) in by_value {
                        if let Some(idx) = lookup(*a, v) {
                            merged.insert((*a, idx), *limit);
                        }
                    }
                }
            }
            // 2025: DFINITY is in every subnet exactly once unless a special limit says otherwise.
            // (The newer reading has this rule in the default special limits only.)
            if rules == RuleSet::Y2025 && !by_subnet_id {
                if let Some(d) = dfinity {
                    merged
                        .entry((Attribute::NodeProvider, d))
                        .or_insert(SpecialLimit { count: 1, op: LimitOp::Exactly });
                }
            }
            let allowed_countries = restrictions.iter().find_map(|r| {
                (restricted_first.get(r.subnet_type.as_str()) == Some(&i)).then(|| {
                    let mut ids: Vec<u32> = r.countries.iter().filter_map(|c| lookup(Attribute::Country, c)).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    ids
                })
            });
            Subnet {
                subnet_type: spec.subnet_type.clone(),
                subnet_id: spec.subnet_id.clone(),
                size: spec.size,
                sev_only: settings.enforce_sev && spec.is_sev,
                limits: spec.limits,
                special: merged.into_iter().map(|((a, v), l)| (a, v, l)).collect(),
                allowed_countries,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
