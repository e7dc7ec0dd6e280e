//! The inputs of an evaluation, as records taken verbatim from their sources.
//!
//! The reference tool reads CSV, JSON and YAML files; the canister reads the NNS
//! registry and its own stable configuration. Both end here, in plain records
//! that keep every field exactly as given (no trimming, no case folding), and in
//! the settings that decide which of the reference's rule sets applies. The rule
//! set is applied later, when [`crate::model`] builds the optimisation model, so
//! that the same records can be evaluated under any published rule set.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The four attributes whose per-subnet counts the target topology limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    /// The node provider (after renames and clusters).
    NodeProvider,
    /// The data center.
    DataCenter,
    /// The data-center provider (the data center's owner).
    DataCenterProvider,
    /// The country.
    Country,
}

impl Attribute {
    /// The four attributes, in the order of their limits.
    pub const ALL: [Attribute; 4] =
        [Attribute::NodeProvider, Attribute::DataCenter, Attribute::DataCenterProvider, Attribute::Country];

    /// The name used by the reference's files (`subnet_limit_<name>`, special limits).
    pub fn name(self) -> &'static str {
        match self {
            Attribute::NodeProvider => "node_provider",
            Attribute::DataCenter => "data_center",
            Attribute::DataCenterProvider => "data_center_provider",
            Attribute::Country => "country",
        }
    }

    /// The attribute of a reference file's name.
    pub fn from_name(name: &str) -> Option<Attribute> {
        Attribute::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Its position in [`Attribute::ALL`] (and in every per-attribute array).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The published versions of the reference model (see docs/model.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RuleSet {
    /// Reference commit 212432e (December 2023).
    #[serde(rename = "2023-12")]
    Dec2023,
    /// Reference commit eb1a2d9 (November 2024).
    #[serde(rename = "2024-11")]
    Nov2024,
    /// Reference commit 23c9e1a (2025).
    #[serde(rename = "2025")]
    Y2025,
}

impl RuleSet {
    /// The three rule sets, oldest first.
    pub const ALL: [RuleSet; 3] = [RuleSet::Dec2023, RuleSet::Nov2024, RuleSet::Y2025];

    /// The name a configuration writes (`rules`): `2023-12`, `2024-11` or `2025`.
    pub fn name(self) -> &'static str {
        match self {
            RuleSet::Dec2023 => "2023-12",
            RuleSet::Nov2024 => "2024-11",
            RuleSet::Y2025 => "2025",
        }
    }

    /// The rule set of a configuration's name.
    pub fn from_name(name: &str) -> Option<RuleSet> {
        RuleSet::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The settings the reference used at that version, for keys a config omits.
    pub fn default_settings(self) -> Settings {
        match self {
            RuleSet::Dec2023 => Settings {
                rules: self,
                synthetic_countries: 12,
                enforce_sev: true,
                enforce_health: false,
                enforce_blacklist: false,
                enforce_per_provider_minimum: false,
                special_limits_reading: SpecialLimitsReading::Y2025,
                spare_node_ratio: None,
            },
            RuleSet::Nov2024 => Settings {
                rules: self,
                synthetic_countries: 2,
                enforce_sev: true,
                enforce_health: false,
                enforce_blacklist: false,
                enforce_per_provider_minimum: false,
                special_limits_reading: SpecialLimitsReading::Y2025,
                spare_node_ratio: None,
            },
            RuleSet::Y2025 => Settings {
                rules: self,
                synthetic_countries: 6,
                enforce_sev: false,
                enforce_health: true,
                enforce_blacklist: true,
                enforce_per_provider_minimum: true,
                special_limits_reading: SpecialLimitsReading::Y2025,
                spare_node_ratio: None,
            },
        }
    }
}

/// Switches of the model (the reference's config keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// The rule set (`rules`).
    pub rules: RuleSet,
    /// `no_synthetic_countries`: countries C1..CN of 5 synthetic providers with 4 nodes each.
    pub synthetic_countries: u32,
    /// `enforce_sev_constraint`: an `is_sev` subnet takes only SEV-capable nodes.
    pub enforce_sev: bool,
    /// `enforce_health_constraint`: DOWN and DEGRADED nodes are not assigned.
    pub enforce_health: bool,
    /// `enforce_blacklist_constraint`: cordoned features are not assigned.
    pub enforce_blacklist: bool,
    /// `enforce_per_node_provider_assignation`: every provider with at least 4
    /// available, non-blacklisted nodes (whatever the health and blacklist
    /// switches say) gets at least one of those nodes assigned.
    pub enforce_per_provider_minimum: bool,
    /// `special_limits_reading`: how special limits are read (the default
    /// reading is left out of the serialised settings, so digests of
    /// configurations that do not choose stay as they were).
    #[serde(default, skip_serializing_if = "SpecialLimitsReading::is_default")]
    pub special_limits_reading: SpecialLimitsReading,
    /// `spare_node_ratio`: the share of each (data center, original provider)
    /// pair's available, non-blacklisted nodes kept spare (see
    /// [`SpareNodeRatio`]); `None` (absent) is no rule, and is left out of
    /// the serialised settings so digests of configurations without it stay
    /// as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spare_node_ratio: Option<SpareNodeRatio>,
}

/// A `spare_node_ratio` in [0, 1], kept exactly as the configuration gives it
/// (the f64's bits, so settings stay `Eq`; serialised as the shortest decimal
/// that reads back to the same f64, which makes its digest canonical).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpareNodeRatio(u64);

impl SpareNodeRatio {
    /// The ratio, if `ratio` is a number in [0, 1] (NaN is not).
    pub fn new(ratio: f64) -> Option<SpareNodeRatio> {
        // -0.0 reads as 0.0, so that both digest alike.
        (0.0..=1.0).contains(&ratio).then_some(SpareNodeRatio((ratio + 0.0).to_bits()))
    }

    /// The ratio as given.
    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }

    /// How many of `n` nodes may be assigned: floor(n x (1 - ratio)), in IEEE
    /// f64 exactly as the reference computes it (`math.floor(len(dc_nodes) *
    /// (1 - spare_node_ratio))`), rounding of `1 - ratio` and of the product
    /// included, so that boundary cases agree with it: 5 nodes at ratio 0.8
    /// give 5 x 0.19999999999999996 = 0.9999999999999998, so 0 (no rule for
    /// the pair), where exact arithmetic would allow 1.
    pub fn allowed(self, n: usize) -> u32 {
        (n as f64 * (1.0 - self.get())).floor() as u32
    }
}

impl Serialize for SpareNodeRatio {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.get())
    }
}

impl<'de> Deserialize<'de> for SpareNodeRatio {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SpareNodeRatio, D::Error> {
        let r = f64::deserialize(d)?;
        SpareNodeRatio::new(r)
            .ok_or_else(|| serde::de::Error::custom(format!("spare_node_ratio {r} is out of range: 0 to 1")))
    }
}

/// How special limits are read: the reference's main branch (23c9e1a) or its
/// newer reading keyed by subnet id (docs/model.md compares them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SpecialLimitsReading {
    /// Scopes `default`, subnet type and subnet id, each more specific one
    /// winning value by value; under the 2025 rules DFINITY is in every
    /// subnet exactly once unless a special limit names DFINITY there; with
    /// no file, the 2025 NNS defaults.
    #[default]
    #[serde(rename = "2025")]
    Y2025,
    /// Keys are subnet ids and `default` only; a subnet's own limit on a value
    /// wins over `default`'s. DFINITY's "exactly 1 per subnet" is no rule of
    /// its own but part of the default special limits (used when no file is
    /// given), so a file that does not name DFINITY does not force it.
    #[serde(rename = "by_subnet_id")]
    BySubnetId,
}

impl SpecialLimitsReading {
    /// Every reading, in the order the docs list them.
    pub const ALL: [SpecialLimitsReading; 2] = [SpecialLimitsReading::Y2025, SpecialLimitsReading::BySubnetId];

    /// The configuration's name of the reading.
    pub fn name(self) -> &'static str {
        match self {
            SpecialLimitsReading::Y2025 => "2025",
            SpecialLimitsReading::BySubnetId => "by_subnet_id",
        }
    }

    /// The reading of a configuration's name.
    pub fn from_name(name: &str) -> Option<SpecialLimitsReading> {
        SpecialLimitsReading::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether this is the default reading (today's).
    pub fn is_default(&self) -> bool {
        *self == SpecialLimitsReading::Y2025
    }
}

/// One node of the registry, in the dashboard's `nodes.csv` format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryNode {
    /// The node's principal.
    pub node_id: String,
    /// The node provider's name, as the dashboard lists it.
    pub node_provider_name: String,
    /// The node provider's principal (`node_provider_id`).
    pub node_provider_id: String,
    /// The node operator's principal.
    pub node_operator_id: String,
    /// Data center id (`dc_id`), e.g. `zh2`.
    pub data_center: String,
    /// The data center's owner (`owner`), i.e. the data-center provider.
    pub data_center_provider: String,
    /// "Continent,CC,City"; the country is its second field.
    pub region: String,
    /// REPLICA, API_BOUNDARY or UNASSIGNED; absent in the 2023 format.
    pub node_type: Option<String>,
    /// UP, DOWN, DEGRADED or UNASSIGNED.
    pub status: String,
    /// The subnet the node is a member of, if any.
    pub subnet_id: Option<String>,
}

/// A node that is not in the registry yet: a pipeline row or a candidate.
/// A row of the 2023/2024 pipeline format or a candidate row with
/// `no_nodes = N` becomes N of these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedNode {
    /// The 2025 pipeline format names each node; the others do not.
    pub node_id: Option<String>,
    /// The node provider.
    pub node_provider: String,
    /// The data center.
    pub data_center: String,
    /// The data-center provider (owner).
    pub data_center_provider: String,
    /// The country (ISO 3166-1 alpha-2).
    pub country: String,
    /// Whether the node is SEV-capable.
    pub is_sev: bool,
}

/// Candidate nodes in the seed's parameters: `no_nodes` identical nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateRow {
    /// The node provider.
    pub node_provider: String,
    /// The data center.
    pub data_center: String,
    /// The data-center provider (owner).
    pub data_center_provider: String,
    /// The country (ISO 3166-1 alpha-2).
    pub country: String,
    /// Whether the nodes are SEV-capable.
    pub is_sev: bool,
    /// How many identical nodes the row stands for.
    pub no_nodes: u32,
}

impl CandidateRow {
    /// The row as `no_nodes` planned nodes (without ids).
    pub fn nodes(&self) -> impl Iterator<Item = PlannedNode> + '_ {
        (0..self.no_nodes).map(move |_| PlannedNode {
            node_id: None,
            node_provider: self.node_provider.clone(),
            data_center: self.data_center.clone(),
            data_center_provider: self.data_center_provider.clone(),
            country: self.country.clone(),
            is_sev: self.is_sev,
        })
    }
}

/// One subnet of the target topology (a topology row expanded
/// `number_of_subnets` times, in file order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubnetSpec {
    /// The subnet's type (`Application`, `NNS`, `Swiss Subnet`, ...).
    pub subnet_type: String,
    /// The subnet's id, where the topology gives one.
    pub subnet_id: Option<String>,
    /// Its number of nodes.
    pub size: u32,
    /// Whether it is an SEV subnet.
    pub is_sev: bool,
    /// `subnet_limit_<attribute>`, indexed by [`Attribute::index`]; each >= 1.
    pub limits: [u32; 4],
}

/// How a special limit bounds a value's count in a subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitOp {
    /// The reference's `"lt"`, which means "at most".
    AtMost,
    /// The reference's `"eq"`: exactly.
    Exactly,
}

/// A per-value limit that replaces the subnet's limit for that value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SpecialLimit {
    /// The count the limit allows.
    pub count: u32,
    /// At most or exactly that count.
    pub op: LimitOp,
}

/// What a set of special limits applies to. For one subnet, the entries of its
/// id override those of its type, which override `default`, value by value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialLimitScope {
    /// The subnet of this id.
    SubnetId(String),
    /// Every subnet of this type.
    SubnetType(String),
    /// Every subnet.
    Default,
}

/// Special limits: scope -> attribute -> value -> limit.
pub type SpecialLimits = BTreeMap<SpecialLimitScope, BTreeMap<Attribute, BTreeMap<String, SpecialLimit>>>;

/// A feature that a blacklist entry cordons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CordonedFeature {
    /// A node, by id.
    NodeId,
    /// Matched against the provider's principal, not its name (as the reference does).
    NodeProvider,
    /// A node operator, by principal.
    NodeOperator,
    /// A data center.
    DataCenter,
    /// A data-center provider.
    DataCenterProvider,
}

impl CordonedFeature {
    /// Every feature, in the blacklist's order.
    pub const ALL: [CordonedFeature; 5] = [
        CordonedFeature::NodeId,
        CordonedFeature::NodeProvider,
        CordonedFeature::NodeOperator,
        CordonedFeature::DataCenter,
        CordonedFeature::DataCenterProvider,
    ];

    /// The name the blacklist file writes.
    pub fn name(self) -> &'static str {
        match self {
            CordonedFeature::NodeId => "node_id",
            CordonedFeature::NodeProvider => "node_provider",
            CordonedFeature::NodeOperator => "node_operator",
            CordonedFeature::DataCenter => "data_center",
            CordonedFeature::DataCenterProvider => "data_center_provider",
        }
    }

    /// The feature of a blacklist file's name.
    pub fn from_name(name: &str) -> Option<CordonedFeature> {
        CordonedFeature::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// One cordoned feature (blacklist entry).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cordon {
    /// What is cordoned.
    pub feature: CordonedFeature,
    /// Its value (an id, a principal or a name).
    pub value: String,
}

/// A provider cluster: the providers that count as one for the provider limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderCluster {
    /// The cluster's name, which its members' nodes take.
    pub name: String,
    /// The providers in it, by name.
    pub members: Vec<String>,
}

/// A subnet type whose first subnet takes only nodes of these countries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryRestriction {
    /// The restricted subnet type.
    pub subnet_type: String,
    /// The countries its nodes may be in.
    pub countries: Vec<String>,
}

/// Something suspicious in the inputs that the evaluation took as given.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// The file or argument it was found in.
    pub source: String,
    /// The line, where there is one.
    pub line: Option<u64>,
    /// The field, where there is one.
    pub field: Option<String>,
    /// What is suspicious, and what to do.
    pub message: String,
}

/// Everything an evaluation depends on, except the candidates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// The rule set and its switches.
    pub settings: Settings,
    /// The registry's nodes.
    pub nodes: Vec<RegistryNode>,
    /// Nodes not in the registry yet.
    pub pipeline: Vec<PlannedNode>,
    /// The target topology, one entry per subnet.
    pub topology: Vec<SubnetSpec>,
    /// Provider names whose nodes are SEV-capable.
    pub sev_providers: Vec<String>,
    /// The blacklist's cordoned features.
    pub cordons: Vec<Cordon>,
    /// In file order: a provider in two clusters ends in the first.
    pub clusters: Vec<ProviderCluster>,
    /// `None`: the rule set's default (2025: the NNS limits of the reference).
    #[serde(with = "special_limits_as_list")]
    pub special_limits: Option<SpecialLimits>,
    /// `None`: the rule set's default (see [`crate::model::default_country_restrictions`]).
    pub country_restrictions: Option<Vec<CountryRestriction>>,
    /// What reading the inputs found suspicious (not part of the inputs' digest).
    pub warnings: Vec<Warning>,
}

/// Special limits serialise as a list of (scope, attribute, value, limit) in
/// map order: JSON maps take only string keys, and a list keeps the
/// serialisation canonical for digests.
pub mod special_limits_as_list {
    use super::{Attribute, SpecialLimit, SpecialLimitScope, SpecialLimits};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    type Entry = (SpecialLimitScope, Attribute, String, SpecialLimit);

    /// The limits as (scope, attribute, value, limit), in map order.
    pub fn to_list(limits: &SpecialLimits) -> Vec<Entry> {
        let mut out = Vec::new();
        for (scope, by_attribute) in limits {
            for (attribute, by_value) in by_attribute {
                for (value, limit) in by_value {
                    out.push((scope.clone(), *attribute, value.clone(), *limit));
                }
            }
        }
        out
    }

    /// The limits of such a list.
    pub fn from_list(list: Vec<Entry>) -> SpecialLimits {
        let mut limits = SpecialLimits::new();
        for (scope, attribute, value, limit) in list {
            limits.entry(scope).or_default().entry(attribute).or_default().insert(value, limit);
        }
        limits
    }

    /// Serialise as a list.
    pub fn serialize<S: Serializer>(limits: &Option<SpecialLimits>, s: S) -> Result<S::Ok, S::Error> {
        limits.as_ref().map(to_list).serialize(s)
    }

    /// Read a list back.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SpecialLimits>, D::Error> {
        Ok(Option::<Vec<Entry>>::deserialize(d)?.map(from_list))
    }
}
