//! A generator of realistic, synthetic Internet Computer networks.
//!
//! [`generate`] writes a registry snapshot in the public dashboard's 2025
//! `nodes.csv` format and a target topology in the reference's 2025 format
//! (one row per subnet, with a subnet id). The networks serve as examples and
//! as scale benchmarks from ten nodes to tens of thousands; they are not
//! mainnet data and every name and id in them is made up.
//!
//! What matters to the optimiser is shaped after the public snapshots of 2024
//! and 2025 (about 1450 nodes):
//! - skewed node-provider sizes: a few providers with 40 to 100 nodes, most
//!   with 4 to 30, a handful with fewer than 4;
//! - providers in one data center (most), two or three (many), or spread over
//!   several countries (a few); one node operator per provider and data center;
//! - data centers mostly used by a single provider, some shared by two to four;
//! - data-center providers (owners) with one data center (most), several in
//!   one country (a few, more so in the US), one global owner present in about
//!   a third of the countries and two regional owners;
//! - countries of very different sizes: US and CH large, DE and a tier of
//!   countries with 40 to 80 nodes, a long tail of countries with one data
//!   center and a few nodes;
//! - "DFINITY Stiftung" with nodes in several data centers in CH, US and SE,
//!   enough of them for the 2025 rules (exactly one DFINITY node in every
//!   subnet and three in the NNS);
//! - about 1.4% API boundary nodes, about 2% nodes DOWN or DEGRADED;
//! - about the first 57% of the subnets (47 of 83 on mainnet) populated with
//!   nodes that respect the topology's limits (`node_type` REPLICA and
//!   `subnet_id` set), as in the dashboard.
//!
//! By construction, CH and US each get at least 15 data centers with distinct
//! owners, each holding nodes of a distinct provider, so the Swiss and US
//! subnets (13 nodes, one per provider, data center and owner) can be filled;
//! mainnet has fewer owners in those countries.
//!
//! Output is a pure function of [`GenerateParams`]: its own SplitMix64 random
//! number generator, integer arithmetic only, ordered collections only, so the
//! same parameters give byte-identical files on every platform.

use std::collections::BTreeSet;

/// The header of the dashboard's 2025 `nodes.csv`.
pub const NODES_HEADER: &str = "node_id,alertname,dc_id,dc_name,guestos_version,ip_address,ipv4_connectivity_status,node_hardware_generation,node_operator_id,node_provider_id,node_provider_name,node_type,owner,region,status,subnet_id";

/// The header of the reference's 2025 topology files with subnet ids.
pub const TOPOLOGY_HEADER: &str = "subnet_type,subnet_id,number_of_subnets,subnet_size,is_sev,subnet_limit_node_provider,subnet_limit_data_center,subnet_limit_data_center_provider,subnet_limit_country";

/// The name of the DFINITY provider in the generated networks.
pub const DFINITY_PROVIDER: &str = "DFINITY Stiftung";

/// Largest accepted `nodes`.
pub const MAX_NODES: u32 = 1_000_000;
/// Largest accepted `subnets`.
pub const MAX_SUBNETS: u32 = 100_000;

/// The configuration written beside a generated network (`topology generate`):
/// the 2025 rules with the reference's 2025 switches and 6 synthetic countries.
pub const CONFIG_JSON: &str = r#"{
  "rules": "2025",
  "nodes_file": "nodes.csv",
  "topology_file": "topology.csv",
  "no_synthetic_countries": 6,
  "enforce_sev_constraint": false,
  "enforce_health_constraint": true,
  "enforce_blacklist_constraint": true,
  "enforce_per_node_provider_assignation": true
}
"#;

/// The parameters of the default network shipped in `defaults/`: about the
/// size of mainnet, and the 70 subnets of the target topology in force
/// (`defaults/topology.csv`).
pub const DEFAULT_PARAMS: GenerateParams = GenerateParams { nodes: 1425, subnets: 70, seed: 20251103 };

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenerateParams {
    /// Number of node rows (API boundary nodes included).
    pub nodes: u32,
    /// Number of subnets of the topology.
    pub subnets: u32,
    pub seed: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedNetwork {
    /// `nodes.csv` in the dashboard's 2025 format, rows sorted by node id.
    pub nodes_csv: String,
    /// The topology in the reference's 2025 format, one row per subnet.
    pub topology_csv: String,
}

/// Writes a network of `p.nodes` nodes and a topology of `p.subnets` subnets.
pub fn generate(p: &GenerateParams) -> Result<GeneratedNetwork, String> {
    if p.nodes == 0 {
        return Err("nodes must be at least 1".to_string());
    }
    if p.subnets == 0 {
        return Err("subnets must be at least 1".to_string());
    }
    if p.nodes > MAX_NODES {
        return Err(format!("nodes must be at most {MAX_NODES}"));
    }
    if p.subnets > MAX_SUBNETS {
        return Err(format!("subnets must be at most {MAX_SUBNETS}"));
    }
    let mut g = Generator::new(p);
    g.build_topology();
    g.build_network();
    g.assign_current_subnets();
    Ok(GeneratedNetwork { nodes_csv: g.nodes_csv(), topology_csv: g.topology_csv() })
}

/// The default network's `nodes.csv`: [`DEFAULT_PARAMS`] with every node
/// unassigned (the default topology has no subnet ids to refer to).
pub fn default_network_nodes_csv() -> Result<String, String> {
    let network = generate(&DEFAULT_PARAMS)?;
    Ok(without_assignment(&network.nodes_csv))
}

/// The same `nodes.csv` with every `subnet_id` emptied and REPLICA nodes
/// turned UNASSIGNED.
pub fn without_assignment(nodes_csv: &str) -> String {
    let mut out = String::with_capacity(nodes_csv.len());
    for (i, line) in nodes_csv.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut fields = split_csv_line(line);
        if fields.len() == 16 {
            fields[15].clear();
            if fields[11] == "REPLICA" {
                fields[11] = "UNASSIGNED".to_string();
            }
        }
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// Splits one CSV line into fields (RFC 4180 quoting, no embedded newlines).
pub fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' {
            in_quotes = true;
        } else if c == ',' {
            fields.push(std::mem::take(&mut field));
        } else {
            field.push(c);
        }
    }
    fields.push(field);
    fields
}

fn csv_field(s: &str) -> String {
    if s.contains(',') || s.contains('"') || s.contains('\n') || s.contains('\r') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

// ---------------------------------------------------------------------------
// Random numbers

/// SplitMix64: tiny, fast, and the same on every platform.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    /// An independent stream for one purpose of one seed.
    fn stream(seed: u64, purpose: u64) -> Rng {
        let mut r = Rng(seed ^ purpose.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `num / den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// An index drawn with probability proportional to its weight; `None`
    /// when every weight is zero.
    fn weighted(&mut self, weights: &[u64]) -> Option<usize> {
        let total: u64 = weights.iter().sum();
        if total == 0 {
            return None;
        }
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < w {
                return Some(i);
            }
            r -= w;
        }
        unreachable!()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// A principal in the IC's textual form: 28 random bytes and the
    /// self-authenticating tag 0x02, with the CRC-32 checksum, base32,
    /// lowercase, in groups of five (63 characters).
    fn principal(&mut self) -> String {
        let mut bytes = Vec::with_capacity(33);
        let mut body = [0u8; 29];
        for chunk in body[..28].chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        body[28] = 0x02;
        bytes.extend_from_slice(&crc32(&body).to_be_bytes());
        bytes.extend_from_slice(&body);
        let text = base32_lower(&bytes);
        let mut out = String::with_capacity(63);
        for (i, c) in text.chars().enumerate() {
            if i > 0 && i % 5 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    fn hex40(&mut self) -> String {
        let mut s = String::with_capacity(40);
        for _ in 0..5 {
            s.push_str(&format!("{:08x}", self.next() as u32));
        }
        s
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn base32_lower(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in data {
        buffer = (buffer << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

// ---------------------------------------------------------------------------
// Geography

struct Country {
    code: &'static str,
    continent: &'static str,
    /// Share of the non-DFINITY nodes, per mille (before truncation).
    weight: u64,
    /// Cities and the two letters their data-center ids start with.
    cities: &'static [(&'static str, &'static str)],
}

const NA: &str = "North America";
const EU: &str = "Europe";
const AS: &str = "Asia";
const OC: &str = "Oceania";
const AF: &str = "Africa";
const SA: &str = "South America";

/// Countries in descending weight: smaller networks use a prefix.
#[rustfmt::skip]
const COUNTRIES: &[Country] = &[
    Country { code: "US", continent: NA, weight: 240, cities: &[("Dallas", "dl"), ("Chicago", "cg"), ("Atlanta", "at"), ("Orlando", "or"), ("Portland", "pl"), ("Phoenix", "px"), ("Las Vegas", "lv"), ("Jacksonville", "jv"), ("Salt Lake City", "sl"), ("Boston", "bo"), ("Fremont", "fm"), ("Tampa", "tp"), ("Ashburn", "as"), ("Denver", "dn"), ("Houston", "ho"), ("Miami", "mi"), ("San Jose", "sj"), ("Seattle", "st"), ("Minneapolis", "mp"), ("New York", "ny")] },
    Country { code: "CH", continent: EU, weight: 115, cities: &[("Zurich", "zh"), ("Geneva", "ge"), ("Bern", "bn"), ("Basel", "bs"), ("Lausanne", "ls"), ("Lugano", "lg"), ("St. Gallen", "sg"), ("Lucerne", "lu")] },
    Country { code: "DE", continent: EU, weight: 60, cities: &[("Frankfurt", "fr"), ("Munich", "mu"), ("Berlin", "be"), ("Hamburg", "hh"), ("Dusseldorf", "du")] },
    Country { code: "CA", continent: NA, weight: 50, cities: &[("Toronto", "to"), ("Vancouver", "vc"), ("Montreal", "mt"), ("Calgary", "cy")] },
    Country { code: "JP", continent: AS, weight: 45, cities: &[("Tokyo", "ty"), ("Osaka", "os")] },
    Country { code: "SG", continent: AS, weight: 45, cities: &[("Singapore", "sp")] },
    Country { code: "BE", continent: EU, weight: 42, cities: &[("Brussels", "br"), ("Antwerp", "an"), ("Ghent", "gh")] },
    Country { code: "SI", continent: EU, weight: 40, cities: &[("Ljubljana", "lj"), ("Maribor", "mb")] },
    Country { code: "KR", continent: AS, weight: 32, cities: &[("Seoul", "se"), ("Busan", "bu")] },
    Country { code: "IN", continent: AS, weight: 32, cities: &[("Mumbai", "mm"), ("Chennai", "cn"), ("Bangalore", "bl"), ("Navi Mumbai", "nm")] },
    Country { code: "UK", continent: EU, weight: 30, cities: &[("London", "ld"), ("Manchester", "mc")] },
    Country { code: "HK", continent: AS, weight: 30, cities: &[("Hong Kong", "hk")] },
    Country { code: "ZA", continent: AF, weight: 28, cities: &[("Johannesburg", "jb"), ("Cape Town", "ct")] },
    Country { code: "AU", continent: OC, weight: 25, cities: &[("Sydney", "sy"), ("Melbourne", "mn"), ("Brisbane", "bb")] },
    Country { code: "FR", continent: EU, weight: 22, cities: &[("Paris", "pa"), ("Marseille", "mr")] },
    Country { code: "RO", continent: EU, weight: 18, cities: &[("Bucharest", "bc")] },
    Country { code: "SE", continent: EU, weight: 16, cities: &[("Stockholm", "sk"), ("Gothenburg", "gb")] },
    Country { code: "NL", continent: EU, weight: 14, cities: &[("Amsterdam", "am")] },
    Country { code: "GE", continent: AS, weight: 12, cities: &[("Tbilisi", "tb")] },
    Country { code: "LT", continent: EU, weight: 12, cities: &[("Vilnius", "vl"), ("Kaunas", "ka")] },
    Country { code: "ES", continent: EU, weight: 10, cities: &[("Madrid", "md"), ("Barcelona", "bz")] },
    Country { code: "CZ", continent: EU, weight: 9, cities: &[("Prague", "pr"), ("Brno", "bv")] },
    Country { code: "LV", continent: EU, weight: 8, cities: &[("Riga", "rg")] },
    Country { code: "IT", continent: EU, weight: 8, cities: &[("Milan", "ml")] },
    Country { code: "PT", continent: EU, weight: 7, cities: &[("Lisbon", "li"), ("Porto", "po")] },
    Country { code: "CR", continent: NA, weight: 6, cities: &[("San Jose", "cr")] },
    Country { code: "IL", continent: AS, weight: 6, cities: &[("Tel Aviv", "ta")] },
    Country { code: "PL", continent: EU, weight: 5, cities: &[("Warsaw", "wa")] },
    Country { code: "EE", continent: EU, weight: 5, cities: &[("Tallinn", "tl")] },
    Country { code: "AT", continent: EU, weight: 5, cities: &[("Vienna", "vi")] },
    Country { code: "FI", continent: EU, weight: 4, cities: &[("Helsinki", "hl")] },
    Country { code: "LK", continent: AS, weight: 4, cities: &[("Colombo", "co")] },
    Country { code: "AR", continent: SA, weight: 4, cities: &[("Buenos Aires", "ba")] },
    Country { code: "HR", continent: EU, weight: 4, cities: &[("Zagreb", "zg")] },
    Country { code: "CO", continent: SA, weight: 4, cities: &[("Bogota", "bg")] },
    Country { code: "PA", continent: NA, weight: 4, cities: &[("Panama City", "pc")] },
    Country { code: "BR", continent: SA, weight: 4, cities: &[("Sao Paulo", "sa")] },
    Country { code: "NZ", continent: OC, weight: 3, cities: &[("Auckland", "ak")] },
    Country { code: "MX", continent: NA, weight: 3, cities: &[("Mexico City", "mx")] },
    Country { code: "TH", continent: AS, weight: 3, cities: &[("Bangkok", "bk")] },
    Country { code: "AE", continent: AS, weight: 3, cities: &[("Dubai", "db")] },
    Country { code: "KE", continent: AF, weight: 3, cities: &[("Nairobi", "nb")] },
    Country { code: "NO", continent: EU, weight: 3, cities: &[("Oslo", "ol")] },
    Country { code: "IE", continent: EU, weight: 3, cities: &[("Dublin", "dd")] },
    Country { code: "DK", continent: EU, weight: 3, cities: &[("Copenhagen", "cp")] },
    Country { code: "NG", continent: AF, weight: 3, cities: &[("Lagos", "la")] },
];

const US: usize = 0;
const CH: usize = 1;
const DE: usize = 2;
const SE: usize = 16;

/// The reference's list for the European subnet.
#[rustfmt::skip]
const EUROPEAN_COUNTRIES: &[&str] = &[
    "AL", "AD", "AT", "BE", "BA", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR",
    "HU", "IS", "IE", "IT", "XK", "LV", "LI", "LT", "LU", "MT", "MD", "MC", "ME", "NL", "MK",
    "NO", "PL", "PT", "RO", "SM", "RS", "SK", "SI", "ES", "SE", "CH", "UA", "GB", "VA", "UK",
];

/// Data-center ids that the reference's default NNS special limits name; the
/// generator never uses them, so those rules never touch a generated network.
const RESERVED_DC_IDS: &[&str] = &["sh1", "zh2"];

/// Data centers per regional country (CH, US) with distinct owners and providers.
const REGIONAL_SEEDS: u64 = 15;

// ---------------------------------------------------------------------------
// Topology

struct SubnetType {
    name: &'static str,
    size: u32,
    is_sev: bool,
    country_limit: u32,
}

/// The special subnets of the target topology in force (see
/// `defaults/TOPOLOGY-SOURCES.md`), in order; all further subnets are
/// Application subnets.
#[rustfmt::skip]
const SPECIAL_SUBNETS: &[SubnetType] = &[
    SubnetType { name: "NNS", size: 43, is_sev: false, country_limit: 3 },
    SubnetType { name: "SNS", size: 34, is_sev: false, country_limit: 3 },
    SubnetType { name: "Fiduciary", size: 34, is_sev: false, country_limit: 3 },
    SubnetType { name: "II", size: 34, is_sev: true, country_limit: 3 },
    SubnetType { name: "ECDSA signing", size: 28, is_sev: true, country_limit: 3 },
    SubnetType { name: "ECDSA backup", size: 28, is_sev: true, country_limit: 3 },
    SubnetType { name: "Bitcoin canister", size: 13, is_sev: false, country_limit: 2 },
    SubnetType { name: "European Subnet", size: 13, is_sev: true, country_limit: 2 },
    SubnetType { name: "Swiss Subnet", size: 13, is_sev: true, country_limit: 13 },
    SubnetType { name: "US Subnet", size: 13, is_sev: true, country_limit: 13 },
];

const APPLICATION: SubnetType = SubnetType { name: "Application", size: 13, is_sev: false, country_limit: 2 };

struct Subnet {
    kind: &'static SubnetType,
    id: String,
}

impl Subnet {
    fn allows_country(&self, code: &str) -> bool {
        match self.kind.name {
            "European Subnet" => EUROPEAN_COUNTRIES.contains(&code),
            "Swiss Subnet" => code == "CH",
            "US Subnet" => code == "US",
            _ => true,
        }
    }
}

// ---------------------------------------------------------------------------
// The network

struct Provider {
    name: String,
    id: String,
    /// Nodes still to place (during construction).
    remaining: u64,
    dfinity: bool,
    /// Data centers used (a provider has one chunk per data center).
    dcs: Vec<usize>,
}

struct DataCenter {
    id: String,
    name: String,
    country: usize,
    city: &'static str,
    owner: usize,
    providers: u64,
    prefix: [u16; 4],
    dfinity: bool,
}

struct Chunk {
    provider: usize,
    dc: usize,
    count: u64,
    operator: String,
    hardware: &'static str,
}

struct Node {
    id: String,
    chunk: usize,
    status: &'static str,
    api_boundary: bool,
    /// Filled only for nodes without metrics (empty guestos, ipv4, hardware).
    no_metrics: bool,
    guestos: usize,
    ipv4: bool,
    ip_suffix: [u16; 3],
    subnet: Option<usize>,
}

struct Generator {
    p: GenerateParams,
    topology: Vec<Subnet>,
    countries: usize,
    targets: Vec<u64>,
    filled: Vec<u64>,
    providers: Vec<Provider>,
    dcs: Vec<DataCenter>,
    dc_ids: BTreeSet<String>,
    owners: Vec<String>,
    owner_names: BTreeSet<String>,
    provider_names: BTreeSet<String>,
    chunks: Vec<Chunk>,
    nodes: Vec<Node>,
    guestos: Vec<String>,
    principals: BTreeSet<String>,
    ids: Rng,
}

impl Generator {
    fn new(p: &GenerateParams) -> Generator {
        Generator {
            p: *p,
            topology: Vec::new(),
            countries: 0,
            targets: Vec::new(),
            filled: Vec::new(),
            providers: Vec::new(),
            dcs: Vec::new(),
            dc_ids: BTreeSet::new(),
            owners: Vec::new(),
            owner_names: BTreeSet::new(),
            provider_names: BTreeSet::new(),
            chunks: Vec::new(),
            nodes: Vec::new(),
            guestos: Vec::new(),
            principals: BTreeSet::new(),
            ids: Rng::stream(p.seed, 1),
        }
    }

    fn rng(&self, purpose: u64) -> Rng {
        Rng::stream(self.p.seed, purpose)
    }

    /// A principal not handed out before.
    fn principal(&mut self) -> String {
        loop {
            let p = self.ids.principal();
            if self.principals.insert(p.clone()) {
                return p;
            }
        }
    }

    fn build_topology(&mut self) {
        for i in 0..self.p.subnets as usize {
            let kind = SPECIAL_SUBNETS.get(i).unwrap_or(&APPLICATION);
            let id = self.principal();
            self.topology.push(Subnet { kind, id });
        }
    }

    fn build_network(&mut self) {
        let n = self.p.nodes as u64;
        let s = self.p.subnets as u64;
        // DFINITY: one node per subnet, three in the NNS, and spares.
        let dfinity = (s + 2 + s.div_ceil(5)).min((n / 6).max(1)).min(n);
        let regular = n - dfinity;

        self.countries = ((8 + n / 60) as usize).min(COUNTRIES.len());
        self.targets =
            largest_remainder(regular, &COUNTRIES[..self.countries].iter().map(|c| c.weight).collect::<Vec<_>>());
        self.filled = vec![0; self.countries];

        let mut rng = self.rng(2);
        let sizes = provider_sizes(&mut rng, regular);
        for size in sizes {
            let id = self.principal();
            self.providers.push(Provider { name: String::new(), id, remaining: size, dfinity: false, dcs: Vec::new() });
        }
        if dfinity > 0 {
            self.place_dfinity(dfinity);
        }
        self.place_regional_seeds();
        self.place_providers();
        self.relabel_multinational_owners();
        self.name_providers();
        self.create_nodes();
    }

    fn new_owner(&mut self, rng: &mut Rng) -> usize {
        let name = loop {
            let a = rng.pick(OWNER_PREFIXES);
            let b = rng.pick(OWNER_INFIXES);
            let c = rng.pick(OWNER_SUFFIXES);
            let mut name = format!("{a}{b} {c}");
            if self.owner_names.contains(&name) {
                let mut k = 2;
                while self.owner_names.contains(&format!("{a}{b} {c} {k}")) {
                    k += 1;
                }
                name = format!("{a}{b} {c} {k}");
                if rng.chance(3, 4) {
                    continue;
                }
            }
            break name;
        };
        self.owner_names.insert(name.clone());
        self.owners.push(name);
        self.owners.len() - 1
    }

    fn new_dc(&mut self, rng: &mut Rng, country: usize, owner: usize, dfinity: bool) -> usize {
        let &(city, abbr) = rng.pick(COUNTRIES[country].cities);
        let mut k = 1;
        let id = loop {
            let id = format!("{abbr}{k}");
            if !self.dc_ids.contains(&id) && !RESERVED_DC_IDS.contains(&id.as_str()) {
                break id;
            }
            k += 1;
        };
        self.dc_ids.insert(id.clone());
        let first = *rng
            .pick(&[0x2001u16, 0x2a00, 0x2a01, 0x2a02, 0x2a05, 0x2a0b, 0x2600, 0x2604, 0x2607, 0x2401, 0x2403, 0x2c0f]);
        let prefix = [first, rng.below(0x10000) as u16, rng.below(0x1000) as u16, rng.below(0x100) as u16];
        self.dcs.push(DataCenter {
            id,
            name: format!("{city} {k}"),
            country,
            city,
            owner,
            providers: 0,
            prefix,
            dfinity,
        });
        self.dcs.len() - 1
    }

    fn add_chunk(&mut self, rng: &mut Rng, provider: usize, dc: usize, count: u64) {
        let operator = self.principal();
        let hardware = match rng.below(100) {
            0..=47 => "GenUnknown",
            48..=79 => "Gen1",
            _ => "Gen2",
        };
        self.providers[provider].dcs.push(dc);
        self.dcs[dc].providers += 1;
        let country = self.dcs[dc].country;
        if !self.providers[provider].dfinity {
            self.filled[country] += count;
        }
        self.chunks.push(Chunk { provider, dc, count, operator, hardware });
    }

    /// DFINITY's nodes, in data centers in CH, US, SE and DE, each with its
    /// own owner.
    fn place_dfinity(&mut self, count: u64) {
        let mut rng = self.rng(3);
        let id = self.principal();
        self.providers.push(Provider {
            name: DFINITY_PROVIDER.to_string(),
            id,
            remaining: 0,
            dfinity: true,
            dcs: Vec::new(),
        });
        let provider = self.providers.len() - 1;
        let cycle: Vec<usize> =
            [CH, US, SE, CH, US, DE, SE, CH, US].into_iter().filter(|&c| c < self.countries).collect();
        let wanted = (3 + self.p.subnets as u64 / 40).min(cycle.len() as u64).min(count);
        let wanted = wanted.max(1) as usize;
        let mut left = count;
        for (i, &country) in cycle.iter().take(wanted).enumerate() {
            let share = left / (wanted - i) as u64;
            let owner = self.new_owner(&mut rng);
            let dc = self.new_dc(&mut rng, country, owner, true);
            self.add_chunk(&mut rng, provider, dc, share);
            left -= share;
        }
    }

    /// CH and US: data centers with distinct owners, each with nodes of a
    /// distinct provider, so that the Swiss and US subnets can be filled.
    fn place_regional_seeds(&mut self) {
        let mut rng = self.rng(4);
        let mut used: BTreeSet<usize> = BTreeSet::new();
        for country in [CH, US] {
            if country >= self.countries {
                continue;
            }
            let target = self.targets[country];
            let seeds = REGIONAL_SEEDS.min(target / 6);
            if seeds == 0 {
                continue;
            }
            // Whole providers of at most the average size a seed can take,
            // or a part of larger ones.
            let cap = (target / seeds).max(4);
            let mut picks: Vec<(usize, bool)> = (0..self.providers.len())
                .filter(|&i| !self.providers[i].dfinity && !used.contains(&i))
                .filter_map(|i| match self.providers[i].remaining {
                    r if (4..=cap).contains(&r) => Some((i, true)),
                    r if r >= 8 => Some((i, false)),
                    _ => None,
                })
                .collect();
            rng.shuffle(&mut picks);
            picks.truncate(seeds as usize);
            for (provider, all) in picks {
                used.insert(provider);
                let size = self.providers[provider].remaining;
                let chunk = if all { size } else { (size / 4).clamp(4, 10) };
                let owner = self.new_owner(&mut rng);
                let dc = self.new_dc(&mut rng, country, owner, false);
                self.add_chunk(&mut rng, provider, dc, chunk);
                self.providers[provider].remaining -= chunk;
            }
        }
    }

    /// A country for `size` nodes, weighted by the room left to its target.
    fn choose_country(&self, rng: &mut Rng, size: u64, exclude: &[usize]) -> usize {
        let room = |c: usize| self.targets[c].saturating_sub(self.filled[c]);
        let fits: Vec<u64> =
            (0..self.countries).map(|c| if exclude.contains(&c) || room(c) < size { 0 } else { room(c) }).collect();
        if let Some(c) = rng.weighted(&fits) {
            return c;
        }
        let any: Vec<u64> = (0..self.countries).map(|c| if exclude.contains(&c) { 0 } else { room(c) }).collect();
        if let Some(c) = rng.weighted(&any) {
            return c;
        }
        let targets: Vec<u64> =
            (0..self.countries).map(|c| if exclude.contains(&c) { 0 } else { self.targets[c] + 1 }).collect();
        rng.weighted(&targets).unwrap_or(0)
    }

    /// A data center in `country` for a chunk of `provider`: an existing one
    /// it does not use yet, or a new one.
    fn choose_dc(&mut self, rng: &mut Rng, provider: usize, country: usize) -> usize {
        let existing: Vec<usize> = (0..self.dcs.len()).filter(|&d| self.dcs[d].country == country).collect();
        let candidates: Vec<usize> =
            existing.iter().copied().filter(|d| !self.providers[provider].dcs.contains(d)).collect();
        let wanted = self.targets[country].div_ceil(16).max(1) as usize;
        let open_new =
            candidates.is_empty() || if existing.len() < wanted { rng.chance(85, 100) } else { rng.chance(25, 100) };
        if !open_new {
            let weights: Vec<u64> = candidates.iter().map(|&d| 12 / (1 + self.dcs[d].providers)).collect();
            if let Some(i) = rng.weighted(&weights) {
                return candidates[i];
            }
        }
        // Owners in this country: reused now and then (more so in the US).
        let local: BTreeSet<usize> =
            existing.iter().filter(|&&d| !self.dcs[d].dfinity).map(|&d| self.dcs[d].owner).collect();
        let reuse = if country == US { 50 } else { 35 };
        let owner = if !local.is_empty() && rng.chance(reuse, 100) {
            let local: Vec<usize> = local.into_iter().collect();
            *rng.pick(&local)
        } else {
            self.new_owner(rng)
        };
        self.new_dc(rng, country, owner, false)
    }

    fn place_providers(&mut self) {
        let mut rng = self.rng(5);
        let mut order: Vec<usize> = (0..self.providers.len())
            .filter(|&i| !self.providers[i].dfinity && self.providers[i].remaining > 0)
            .collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(self.providers[i].remaining), i));
        for provider in order {
            let r = self.providers[provider].remaining;
            let (k, multinational) = match r {
                0..=3 => (1, false),
                4..=9 => (if rng.chance(15, 100) { 2 } else { 1 }, false),
                10..=29 => match rng.below(100) {
                    0..=54 => (1, false),
                    55..=94 => (2, false),
                    _ => (3, false),
                },
                _ => match rng.below(100) {
                    0..=29 => (1, false),
                    30..=74 => (2, false),
                    75..=89 => (3, false),
                    _ => (rng.range(4, 7), true),
                },
            };
            let k = k.min(r);
            let mut parts = Vec::with_capacity(k as usize);
            if k == 2 {
                let first = if rng.chance(1, 2) { r * 2 / 3 } else { r / 2 };
                parts.push(first);
                parts.push(r - first);
            } else {
                for i in 0..k {
                    parts.push(r / k + u64::from(i < r % k));
                }
            }
            let mut used: Vec<usize> = self.providers[provider].dcs.iter().map(|&d| self.dcs[d].country).collect();
            let mut home = None;
            for part in parts {
                let country = match home {
                    Some(h)
                        if !multinational && self.targets[h] >= self.filled[h] + part / 2 && rng.chance(85, 100) =>
                    {
                        h
                    }
                    _ => {
                        let exclude = if multinational { used.clone() } else { Vec::new() };
                        self.choose_country(&mut rng, part, &exclude)
                    }
                };
                home.get_or_insert(country);
                used.push(country);
                let dc = self.choose_dc(&mut rng, provider, country);
                self.add_chunk(&mut rng, provider, dc, part);
            }
            self.providers[provider].remaining = 0;
        }
    }

    /// One global owner in about a third of the countries and two regional
    /// ones (Europe, Asia-Pacific), each with one data center per country.
    fn relabel_multinational_owners(&mut self) {
        let mut rng = self.rng(6);
        let mut taken: BTreeSet<usize> = BTreeSet::new();
        let countries_with_dcs: Vec<usize> =
            (0..self.countries).filter(|&c| self.dcs.iter().any(|d| d.country == c && !d.dfinity)).collect();
        let plans: [(u64, &[&str]); 3] = [
            ((countries_with_dcs.len() as u64 / 3 + 1).min(14), &[NA, EU, AS, OC, AF, SA]),
            (4, &[EU]),
            (3, &[AS, OC]),
        ];
        for (count, continents) in plans {
            let mut pool: Vec<usize> =
                countries_with_dcs.iter().copied().filter(|&c| continents.contains(&COUNTRIES[c].continent)).collect();
            if pool.len() < 2 {
                continue;
            }
            rng.shuffle(&mut pool);
            let owner = self.new_owner(&mut rng);
            for &country in pool.iter().take(count as usize) {
                let dcs: Vec<usize> = (0..self.dcs.len())
                    .filter(|&d| self.dcs[d].country == country && !self.dcs[d].dfinity && !taken.contains(&d))
                    .collect();
                if dcs.is_empty() {
                    continue;
                }
                let d = *rng.pick(&dcs);
                taken.insert(d);
                self.dcs[d].owner = owner;
            }
        }
    }

    fn name_providers(&mut self) {
        let mut rng = self.rng(7);
        for i in 0..self.providers.len() {
            if self.providers[i].dfinity {
                self.provider_names.insert(DFINITY_PROVIDER.to_string());
                continue;
            }
            let home = self.providers[i].dcs.first().map(|&d| self.dcs[d].country).unwrap_or(US);
            let suffix = *rng.pick(provider_suffixes(COUNTRIES[home].code));
            let mut tries = 0;
            let name = loop {
                let a = rng.pick(PROVIDER_ADJECTIVES);
                let b = rng.pick(PROVIDER_NOUNS);
                let name =
                    if tries < 20 { format!("{a} {b} {suffix}") } else { format!("{a} {b} {} {suffix}", tries - 18) };
                if !self.provider_names.contains(&name) {
                    break name;
                }
                tries += 1;
            };
            self.provider_names.insert(name.clone());
            self.providers[i].name = name;
        }
    }

    fn create_nodes(&mut self) {
        let mut rng = self.rng(8);
        for _ in 0..3 {
            let v = rng.hex40();
            self.guestos.push(v);
        }
        for c in 0..self.chunks.len() {
            for _ in 0..self.chunks[c].count {
                let id = self.principal();
                let status = match rng.below(1000) {
                    0..=16 => "DOWN",
                    17..=18 => "DEGRADED",
                    _ => "UP",
                };
                let no_metrics = status == "DOWN" && rng.chance(1, 4);
                let guestos = match rng.below(100) {
                    0..=94 => 0,
                    95..=98 => 1,
                    _ => 2,
                };
                let ipv4 = rng.chance(7, 100);
                let ip_suffix = [rng.below(0x100) as u16, rng.below(0x100) as u16, rng.below(0x10000) as u16];
                self.nodes.push(Node {
                    id,
                    chunk: c,
                    status,
                    api_boundary: false,
                    no_metrics,
                    guestos,
                    ipv4,
                    ip_suffix,
                    subnet: None,
                });
            }
        }
        // API boundary nodes: about 1.4%, never DFINITY's.
        let mut candidates: Vec<usize> = (0..self.nodes.len()).filter(|&i| !self.is_dfinity(i)).collect();
        rng.shuffle(&mut candidates);
        let api = ((self.nodes.len() as u64 * 14 + 500) / 1000) as usize;
        for &i in candidates.iter().take(api) {
            self.nodes[i].api_boundary = true;
        }
        // The 2025 rules need a usable DFINITY node for every subnet and two
        // more for the NNS.
        let usable =
            (0..self.nodes.len()).filter(|&i| self.is_dfinity(i) && self.nodes[i].status == "UP").count() as u64;
        if usable < self.p.subnets as u64 + 2 {
            for i in 0..self.nodes.len() {
                if self.is_dfinity(i) {
                    self.nodes[i].status = "UP";
                    self.nodes[i].no_metrics = false;
                }
            }
        }
    }

    fn is_dfinity(&self, node: usize) -> bool {
        self.providers[self.chunks[self.nodes[node].chunk].provider].dfinity
    }

    /// Populates about the first 57% of the subnets with nodes that respect
    /// the subnet's limits and country restriction, DFINITY first.
    fn assign_current_subnets(&mut self) {
        let mut rng = self.rng(9);
        let current = (self.topology.len() * 47).div_ceil(83);
        let mut order: Vec<usize> = (0..self.nodes.len()).filter(|&i| !self.nodes[i].api_boundary).collect();
        rng.shuffle(&mut order);
        let mut by_provider = vec![0u32; self.providers.len()];
        let mut by_dc = vec![0u32; self.dcs.len()];
        let mut by_owner = vec![0u32; self.owners.len()];
        let mut by_country = vec![0u32; COUNTRIES.len()];
        for s in 0..current {
            let subnet = &self.topology[s];
            let size = subnet.kind.size as usize;
            let dfinity_wanted = if subnet.kind.name == "NNS" { 3 } else { 1 };
            let mut members: Vec<usize> = Vec::new();
            for dfinity_pass in [true, false] {
                for &i in &order {
                    if members.len() >= size || (dfinity_pass && members.len() >= dfinity_wanted) {
                        break;
                    }
                    let node = &self.nodes[i];
                    if node.subnet.is_some() || self.is_dfinity(i) != dfinity_pass {
                        continue;
                    }
                    let chunk = &self.chunks[node.chunk];
                    let dc = &self.dcs[chunk.dc];
                    let provider_limit = if dfinity_pass { dfinity_wanted as u32 } else { 1 };
                    if by_provider[chunk.provider] >= provider_limit
                        || by_dc[chunk.dc] >= 1
                        || by_owner[dc.owner] >= 1
                        || by_country[dc.country] >= subnet.kind.country_limit
                        || !subnet.allows_country(COUNTRIES[dc.country].code)
                    {
                        continue;
                    }
                    by_provider[chunk.provider] += 1;
                    by_dc[chunk.dc] += 1;
                    by_owner[dc.owner] += 1;
                    by_country[dc.country] += 1;
                    members.push(i);
                }
            }
            for &i in &members {
                let chunk = &self.chunks[self.nodes[i].chunk];
                let dc = &self.dcs[chunk.dc];
                by_provider[chunk.provider] = 0;
                by_dc[chunk.dc] = 0;
                by_owner[dc.owner] = 0;
                by_country[dc.country] = 0;
            }
            for i in members {
                self.nodes[i].subnet = Some(s);
            }
        }
    }

    fn nodes_csv(&self) -> String {
        let mut rows: Vec<(String, String)> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let chunk = &self.chunks[node.chunk];
            let provider = &self.providers[chunk.provider];
            let dc = &self.dcs[chunk.dc];
            let country = &COUNTRIES[dc.country];
            let node_type = if node.api_boundary {
                "API_BOUNDARY"
            } else if node.subnet.is_some() {
                "REPLICA"
            } else {
                "UNASSIGNED"
            };
            let alertname = if node.status == "DEGRADED" { "IC_Orchestrator_RegistryBehind" } else { "" };
            let [a, b, c, d] = dc.prefix;
            let [x, y, z] = node.ip_suffix;
            let ip = format!("{a:x}:{b:x}:{c:x}:{d:x}:6801:{x:02x}ff:fe{y:02x}:{z:x}");
            let (guestos, ipv4, hardware) = if node.no_metrics {
                ("", "", "")
            } else {
                (self.guestos[node.guestos].as_str(), if node.ipv4 { "True" } else { "False" }, chunk.hardware)
            };
            let region = format!("{},{},{}", country.continent, country.code, dc.city);
            let subnet = node.subnet.map(|s| self.topology[s].id.as_str()).unwrap_or("");
            let fields = [
                node.id.as_str(),
                alertname,
                dc.id.as_str(),
                dc.name.as_str(),
                guestos,
                ip.as_str(),
                ipv4,
                hardware,
                chunk.operator.as_str(),
                provider.id.as_str(),
                provider.name.as_str(),
                node_type,
                self.owners[dc.owner].as_str(),
                region.as_str(),
                node.status,
                subnet,
            ];
            let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            rows.push((node.id.clone(), row.join(",")));
        }
        rows.sort();
        let mut out = String::with_capacity(rows.len() * 400);
        out.push_str(NODES_HEADER);
        out.push('\n');
        for (_, row) in rows {
            out.push_str(&row);
            out.push('\n');
        }
        out
    }

    fn topology_csv(&self) -> String {
        let mut out = String::new();
        out.push_str(TOPOLOGY_HEADER);
        out.push('\n');
        for subnet in &self.topology {
            let k = subnet.kind;
            out.push_str(&format!(
                "{},{},1,{},{},1,1,1,{}\n",
                k.name,
                subnet.id,
                k.size,
                if k.is_sev { "TRUE" } else { "FALSE" },
                k.country_limit
            ));
        }
        out
    }
}

/// Provider sizes summing to `total`, skewed like mainnet's.
fn provider_sizes(rng: &mut Rng, total: u64) -> Vec<u64> {
    let mut sizes = Vec::new();
    let mut left = total;
    while left > 0 {
        let size = match rng.below(100) {
            0..=4 => rng.range(1, 3),
            5..=25 => rng.range(4, 9),
            26..=51 => rng.range(10, 19),
            52..=73 => rng.range(20, 29),
            74..=75 => rng.range(30, 39),
            76..=95 => *rng.pick(&[40, 42, 42, 42, 42, 44]),
            _ => rng.range(56, 100),
        };
        let size = size.min(left);
        sizes.push(size);
        left -= size;
    }
    sizes
}

/// `total` split in proportion to `weights` (largest remainder, ties to the
/// first).
fn largest_remainder(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u64 = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut out: Vec<u64> = weights.iter().map(|&w| (total as u128 * w as u128 / sum as u128) as u64).collect();
    let mut left = total - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(total as u128 * weights[i] as u128 % sum as u128), i));
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

const PROVIDER_ADJECTIVES: &[&str] = &[
    "Blue", "Silver", "Northern", "Granite", "Amber", "Cedar", "Crimson", "Golden", "Harbor", "Iron", "Jade", "Lunar",
    "Maple", "Nimbus", "Oak", "Polar", "Quartz", "Rapid", "Solar", "Tidal", "Umber", "Velvet", "Willow", "Zephyr",
    "Alpine", "Bright", "Coastal", "Delta", "Echo", "Falcon", "Summit", "Orbit",
];

const PROVIDER_NOUNS: &[&str] = &[
    "Node", "Ledger", "Block", "Chain", "Compute", "Data", "Labs", "Systems", "Capital", "Ventures", "Networks",
    "Digital", "Tech", "Infra", "Stake", "Works",
];

fn provider_suffixes(country: &str) -> &'static [&'static str] {
    match country {
        "US" => &["LLC", "LLC", "Inc."],
        "CH" => &["AG", "SA", "GmbH"],
        "DE" | "AT" => &["GmbH"],
        "UK" | "IE" | "HK" | "IN" => &["Ltd"],
        "AU" | "ZA" | "NZ" => &["Pty Ltd"],
        "SG" => &["Pte Ltd"],
        "CA" => &["Inc.", "Corp."],
        "SI" | "HR" => &["d.o.o."],
        "RO" => &["SRL"],
        "BE" | "FR" => &["SA", "SRL"],
        "JP" => &["KK"],
        "KR" => &["Co., Ltd"],
        _ => &["Ltd", "LLC", "Group"],
    }
}

const OWNER_PREFIXES: &[&str] = &[
    "Alp", "Nord", "Terra", "Meta", "Cyber", "Data", "Net", "Giga", "Prime", "Core", "Nova", "Zen", "Orbi", "Atlas",
    "Vertex", "Hyper", "Colo", "Link", "Sky", "Stone",
];

const OWNER_INFIXES: &[&str] = &["link", "net", "vault", "rack", "grid", "port", "scale", "hub"];

const OWNER_SUFFIXES: &[&str] = &[
    "Hosting",
    "Colocation",
    "Datacenter",
    "DC",
    "Telecom",
    "Networks",
    "Data Centres",
    "Infrastructure",
    "Connect",
    "Cloud",
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn params(nodes: u32, subnets: u32, seed: u64) -> GenerateParams {
        GenerateParams { nodes, subnets, seed }
    }

    fn rows(csv: &str) -> Vec<Vec<String>> {
        csv.lines().skip(1).map(split_csv_line).collect()
    }

    fn is_principal(s: &str) -> bool {
        let groups: Vec<&str> = s.split('-').collect();
        s.len() == 63
            && groups.len() == 11
            && groups[..10].iter().all(|g| g.len() == 5)
            && groups[10].len() == 3
            && s.chars().all(|c| c == '-' || c.is_ascii_lowercase() || ('2'..='7').contains(&c))
    }

    #[test]
    fn rejects_empty_networks() {
        assert!(generate(&params(0, 5, 1)).is_err());
        assert!(generate(&params(100, 0, 1)).is_err());
        assert!(generate(&params(MAX_NODES + 1, 5, 1)).is_err());
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let a = generate(&params(1450, 83, 7)).unwrap();
        let b = generate(&params(1450, 83, 7)).unwrap();
        assert_eq!(a, b);
        let c = generate(&params(1450, 83, 8)).unwrap();
        assert_ne!(a.nodes_csv, c.nodes_csv);
        assert_ne!(a.topology_csv, c.topology_csv);
    }

    #[test]
    fn headers() {
        let g = generate(&params(200, 12, 1)).unwrap();
        assert_eq!(g.nodes_csv.lines().next(), Some(NODES_HEADER));
        assert_eq!(g.topology_csv.lines().next(), Some(TOPOLOGY_HEADER));
        assert_eq!(split_csv_line(NODES_HEADER).len(), 16);
        assert!(g.nodes_csv.ends_with('\n') && g.topology_csv.ends_with('\n'));
    }

    #[test]
    fn counts_and_row_shape() {
        for (n, s) in [(1, 1), (10, 1), (10, 3), (97, 5), (1450, 70), (1450, 83), (3000, 170)] {
            let g = generate(&params(n, s, 42)).unwrap();
            let nodes = rows(&g.nodes_csv);
            assert_eq!(nodes.len(), n as usize, "{n} {s}");
            for row in &nodes {
                assert_eq!(row.len(), 16, "{row:?}");
            }
            let topology = rows(&g.topology_csv);
            assert_eq!(topology.len(), s as usize);
            for row in &topology {
                assert_eq!(row.len(), 9);
                assert_eq!(row[2], "1");
            }
        }
    }

    #[test]
    fn topology_prefix_and_limits() {
        let g = generate(&params(1450, 70, 3)).unwrap();
        let t = rows(&g.topology_csv);
        let types: Vec<&str> = t.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            &types[..10],
            &[
                "NNS",
                "SNS",
                "Fiduciary",
                "II",
                "ECDSA signing",
                "ECDSA backup",
                "Bitcoin canister",
                "European Subnet",
                "Swiss Subnet",
                "US Subnet"
            ]
        );
        assert!(types[10..].iter().all(|&t| t == "Application"));
        assert_eq!(t[0][3], "43");
        assert_eq!(t[0][8], "3");
        assert_eq!(t[3][4], "TRUE");
        assert_eq!(t[8][8], "13");
        assert_eq!(t[20][3], "13");
        assert_eq!(t[20][8], "2");
        let total: u32 = t.iter().map(|r| r[3].parse::<u32>().unwrap()).sum();
        assert_eq!(total, 1033);
        let small = generate(&params(100, 3, 3)).unwrap();
        let types: Vec<String> = rows(&small.topology_csv).into_iter().map(|r| r[0].clone()).collect();
        assert_eq!(types, ["NNS", "SNS", "Fiduciary"]);
    }

    #[test]
    fn ids_are_unique_principals() {
        let g = generate(&params(1450, 83, 11)).unwrap();
        let nodes = rows(&g.nodes_csv);
        let ids: BTreeSet<&str> = nodes.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids.len(), nodes.len());
        let subnets: BTreeSet<String> = rows(&g.topology_csv).into_iter().map(|r| r[1].clone()).collect();
        assert_eq!(subnets.len(), 83);
        let mut provider_of_id: BTreeMap<&str, &str> = BTreeMap::new();
        let mut id_of_provider: BTreeMap<&str, &str> = BTreeMap::new();
        for r in &nodes {
            assert!(is_principal(&r[0]) && is_principal(&r[8]) && is_principal(&r[9]));
            assert_eq!(*provider_of_id.entry(&r[9]).or_insert(&r[10]), r[10].as_str());
            assert_eq!(*id_of_provider.entry(&r[10]).or_insert(&r[9]), r[9].as_str());
            assert!(!ids.contains(r[9].as_str()) && !subnets.contains(&r[9]));
        }
        for s in &subnets {
            assert!(is_principal(s));
        }
        // Sorted by node id, as the dashboard's export.
        let sorted: Vec<&str> = nodes.iter().map(|r| r[0].as_str()).collect();
        assert!(sorted.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn principals_carry_a_valid_checksum() {
        let mut rng = Rng::stream(5, 5);
        for _ in 0..20 {
            let text: String = rng.principal().chars().filter(|&c| c != '-').collect();
            let mut bits = 0u32;
            let mut acc = 0u64;
            let mut bytes = Vec::new();
            for c in text.chars() {
                let v = if c.is_ascii_lowercase() { c as u64 - 'a' as u64 } else { c as u64 - '2' as u64 + 26 };
                acc = (acc << 5) | v;
                bits += 5;
                if bits >= 8 {
                    bytes.push((acc >> (bits - 8)) as u8);
                    bits -= 8;
                }
            }
            assert_eq!(bytes.len(), 33);
            let crc = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            assert_eq!(crc, crc32(&bytes[4..]));
            assert_eq!(bytes[32], 2);
        }
        // The well-known anonymous principal `2vxsx-fae` is [0x04].
        assert_eq!(base32_lower(&[&crc32(&[4]).to_be_bytes()[..], &[4]].concat()), "2vxsxfae");
    }

    #[test]
    fn realistic_shape_at_mainnet_scale() {
        let g = generate(&params(1450, 83, 2025)).unwrap();
        let nodes = rows(&g.nodes_csv);
        let count = |col: usize, v: &str| nodes.iter().filter(|r| r[col] == v).count();
        let api = count(11, "API_BOUNDARY");
        assert!((15..=25).contains(&api), "{api}");
        let unhealthy = count(14, "DOWN") + count(14, "DEGRADED");
        assert!((10..=60).contains(&unhealthy), "{unhealthy}");
        let replica = count(11, "REPLICA");
        assert!((500..=900).contains(&replica), "{replica}");
        let dfinity: Vec<&Vec<String>> = nodes.iter().filter(|r| r[10] == DFINITY_PROVIDER).collect();
        assert!(dfinity.len() >= 85);
        let dfinity_dcs: BTreeSet<&str> = dfinity.iter().map(|r| r[2].as_str()).collect();
        assert!(dfinity_dcs.len() >= 3);
        let countries: BTreeSet<String> = nodes.iter().map(|r| r[13].split(',').nth(1).unwrap().to_string()).collect();
        assert!((25..=40).contains(&countries.len()), "{}", countries.len());
        // CH and US: at least 13 owners each with usable nodes.
        for cc in ["CH", "US"] {
            let owners: BTreeSet<&str> = nodes
                .iter()
                .filter(|r| r[13].split(',').nth(1) == Some(cc) && r[14] == "UP" && r[11] != "API_BOUNDARY")
                .map(|r| r[12].as_str())
                .collect();
            assert!(owners.len() >= 14, "{cc}: {}", owners.len());
        }
        for reserved in RESERVED_DC_IDS {
            assert!(nodes.iter().all(|r| r[2] != *reserved));
        }
    }

    #[test]
    fn current_assignment_respects_the_topology() {
        let g = generate(&params(1450, 83, 99)).unwrap();
        let topology: BTreeMap<String, Vec<String>> =
            rows(&g.topology_csv).into_iter().map(|r| (r[1].clone(), r)).collect();
        let mut members: BTreeMap<&str, Vec<&Vec<String>>> = BTreeMap::new();
        let nodes = rows(&g.nodes_csv);
        for r in &nodes {
            assert_eq!(r[15].is_empty(), r[11] != "REPLICA");
            if !r[15].is_empty() {
                members.entry(&r[15]).or_default().push(r);
            }
        }
        assert!(members.len() >= 40);
        for (subnet, rs) in members {
            let t = &topology[subnet];
            assert!(rs.len() <= t[3].parse::<usize>().unwrap());
            let limit_country: usize = t[8].parse().unwrap();
            let mut counts: [BTreeMap<String, usize>; 4] = Default::default();
            for r in &rs {
                let country = r[13].split(',').nth(1).unwrap().to_string();
                match t[0].as_str() {
                    "Swiss Subnet" => assert_eq!(country, "CH"),
                    "US Subnet" => assert_eq!(country, "US"),
                    "European Subnet" => assert!(EUROPEAN_COUNTRIES.contains(&country.as_str())),
                    _ => {}
                }
                for (k, v) in [r[10].clone(), r[2].clone(), r[12].clone(), country].into_iter().enumerate() {
                    *counts[k].entry(v).or_default() += 1;
                }
            }
            let dfinity = counts[0].get(DFINITY_PROVIDER).copied().unwrap_or(0);
            assert_eq!(dfinity, if t[0] == "NNS" { 3 } else { 1 }, "{}", t[0]);
            for (v, &c) in &counts[0] {
                if v != DFINITY_PROVIDER {
                    assert!(c <= 1);
                }
            }
            assert!(counts[1].values().all(|&c| c <= 1));
            assert!(counts[2].values().all(|&c| c <= 1));
            assert!(counts[3].values().all(|&c| c <= limit_country));
        }
    }

    #[test]
    fn scales_to_twenty_thousand_nodes() {
        let g = generate(&params(20_000, 1145, 1)).unwrap();
        assert_eq!(rows(&g.nodes_csv).len(), 20_000);
        assert_eq!(rows(&g.topology_csv).len(), 1145);
    }

    #[test]
    fn without_assignment_clears_subnets() {
        let g = generate(&params(300, 20, 4)).unwrap();
        let cleared = without_assignment(&g.nodes_csv);
        let rs = rows(&cleared);
        assert_eq!(rs.len(), 300);
        assert!(rs.iter().all(|r| r.len() == 16 && r[15].is_empty() && r[11] != "REPLICA"));
        assert!(g.nodes_csv.contains("REPLICA"));
    }

    #[test]
    fn csv_quoting_round_trips() {
        let fields = ["a", "Europe,CH,Zurich", "say \"hi\"", ""];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        assert_eq!(split_csv_line(&line.join(",")), fields);
    }
}
