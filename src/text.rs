//! Text that means what it shows. A name the model compares (a node
//! provider, a data center, a country) counts as a new value whenever its
//! bytes differ, so text that looks like an existing value but is not (a
//! Cyrillic `СН`, `C\u{200b}H`, `CH\0`) would silently turn a candidate into
//! a new country or provider. These checks refuse such text where it enters,
//! in the canister and the CLI alike: no control, invisible, zero-width or
//! bidirectional characters; Unicode in normal form C; countries as ISO
//! 3166-1 alpha-2 codes in ASCII capitals; and a name that resembles an
//! existing one (the same [`skeleton`]: common Cyrillic and Greek homoglyphs
//! mapped to Latin, case folded) but is not it is refused with the name it
//! resembles. No ic-cdk here: the CLI uses the same functions.

use std::collections::{BTreeMap, BTreeSet};
use unicode_normalization::UnicodeNormalization;

/// The longest text field, in UTF-8 bytes (the canister's request cap).
pub const MAX_FIELD_BYTES: usize = 128;

/// Why a text field was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextProblem {
    /// The field is empty.
    Empty,
    /// The field is longer than allowed.
    TooLong {
        /// Its length in bytes.
        bytes: usize,
        /// The most bytes allowed.
        max: usize,
    },
    /// Leading or trailing white space (it would count as a different value).
    Spaces,
    /// A character that does not show as itself: what it is, and where.
    Hidden {
        /// The character's position (in characters, from 0).
        position: usize,
        /// Its Unicode code point.
        code_point: u32,
        /// What kind of character it is (control, zero-width, bidirectional, ...).
        kind: &'static str,
    },
    /// Not an ISO 3166-1 alpha-2 code in ASCII capitals (with the code it resembles, if any).
    NotCountryCode {
        /// The code it resembles, if any (`us` resembles `US`).
        resembles: Option<&'static str>,
    },
    /// Looks like an existing value without being it.
    LooksLike {
        /// The existing value it resembles.
        existing: String,
    },
    /// A pipeline node id that would clash with another node's.
    NodeId {
        /// Why the id is refused.
        reason: String,
    },
}

/// A refused text field: the field's name and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextError {
    /// The field's name.
    pub field: String,
    /// What is wrong with it.
    pub problem: TextProblem,
}

impl TextError {
    /// The reason alone (the field is reported beside it by the caller).
    pub fn reason(&self) -> String {
        match &self.problem {
            TextProblem::Empty => "must not be empty".into(),
            TextProblem::TooLong { bytes, max } => format!("{bytes} bytes; at most {max}"),
            TextProblem::Spaces => "has spaces around it (it would count as a different value)".into(),
            TextProblem::Hidden { position, code_point, kind } => {
                format!("character {position} is U+{code_point:04X}, a {kind} character (it does not show as itself)")
            }
            TextProblem::NotCountryCode { resembles: Some(code) } => {
                format!("must be an ISO 3166-1 alpha-2 code in ASCII capitals (did you mean {code}?)")
            }
            TextProblem::NotCountryCode { resembles: None } => {
                "must be an ISO 3166-1 alpha-2 code in ASCII capitals, e.g. CH".into()
            }
            TextProblem::NodeId { reason } => reason.clone(),
            TextProblem::LooksLike { existing } => format!(
                "looks like the existing {existing:?} but is different text (it would count as a new value): \
                 write it exactly as {existing:?}, or choose a name that does not resemble it"
            ),
        }
    }
}

impl std::fmt::Display for TextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason())
    }
}

impl std::error::Error for TextError {}

fn error(field: &str, problem: TextProblem) -> TextError {
    TextError { field: field.into(), problem }
}

/// What kind of character does not show as itself, if `c` is one.
pub fn hidden_kind(c: char) -> Option<&'static str> {
    let u = c as u32;
    if c.is_control() {
        return Some("control");
    }
    match u {
        0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069 => Some("bidirectional"),
        0x200B..=0x200D | 0x2060..=0x2064 | 0xFEFF | 0x180E => Some("zero-width"),
        0x00AD | 0x034F | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x3164 | 0xFFA0 => Some("invisible"),
        0xFE00..=0xFE0F | 0xE0100..=0xE01EF => Some("variation selector"),
        0xE0000..=0xE007F => Some("tag"),
        0x2028 | 0x2029 => Some("line separator"),
        0x00A0 | 0x1680 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000 => Some("non-ASCII space"),
        0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD => Some("private-use"),
        0xFFF9..=0xFFFB => Some("interlinear annotation"),
        _ => None,
    }
}

/// The first character of `value` that does not show as itself.
pub fn check_hidden(field: &str, value: &str) -> Result<(), TextError> {
    match value.chars().enumerate().find_map(|(i, c)| hidden_kind(c).map(|k| (i, c, k))) {
        Some((position, c, kind)) => Err(error(field, TextProblem::Hidden { position, code_point: c as u32, kind })),
        None => Ok(()),
    }
}

/// A name field: non-empty, at most [`MAX_FIELD_BYTES`], no surrounding
/// space, nothing hidden. Returns it in Unicode normal form C (text that
/// shows the same is then the same bytes).
pub fn check_field(field: &str, value: &str) -> Result<String, TextError> {
    if value.is_empty() {
        return Err(error(field, TextProblem::Empty));
    }
    check_hidden(field, value)?;
    let nfc: String = value.nfc().collect();
    if nfc.len() > MAX_FIELD_BYTES {
        return Err(error(field, TextProblem::TooLong { bytes: nfc.len(), max: MAX_FIELD_BYTES }));
    }
    if nfc.trim() != nfc {
        return Err(error(field, TextProblem::Spaces));
    }
    Ok(nfc)
}

/// Whether `value` is already in normal form C.
pub fn is_nfc(value: &str) -> bool {
    unicode_normalization::is_nfc(value)
}

/// ISO 3166-1 alpha-2: the 249 officially assigned codes.
const ISO_3166_ALPHA_2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ \
FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM \
JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT \
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB \
SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Exceptionally reserved ISO 3166-1 codes the registry uses: mainnet's data
/// centers in the United Kingdom have regions "Europe,UK,...", so a candidate
/// there must say UK (GB would count as another country).
pub const RESERVED_CODES_IN_USE: [&str; 1] = ["UK"];

/// Whether `code` is an assigned ISO 3166-1 alpha-2 code (ASCII capitals),
/// or one of [`RESERVED_CODES_IN_USE`].
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && (ISO_3166_ALPHA_2.split(' ').any(|c| c == code) || RESERVED_CODES_IN_USE.contains(&code))
}

/// A candidate's country: an ISO 3166-1 alpha-2 code in ASCII capitals.
/// A value that resembles one (`ch`, Cyrillic `СН`) is refused with the code.
pub fn check_country(value: &str) -> Result<String, TextError> {
    let field = "country";
    let nfc = check_field(field, value)?;
    if is_country_code(&nfc) {
        return Ok(nfc);
    }
    let resembles = ISO_3166_ALPHA_2.split(' ').find(|c| skeleton(c) == skeleton(&nfc));
    Err(error(field, TextProblem::NotCountryCode { resembles }))
}

/// Latin letters that common Cyrillic and Greek letters look like.
fn latin_look_alike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic capitals and small letters.
        'А' | 'а' => 'a',
        'В' | 'в' | 'Β' | 'β' => 'b',
        'С' | 'с' | 'Ϲ' | 'ϲ' => 'c',
        'Ԁ' | 'ԁ' => 'd',
        'Е' | 'е' | 'Ё' | 'ё' | 'Ε' | 'ε' => 'e',
        'Н' | 'н' | 'Һ' | 'һ' | 'Η' => 'h',
        'І' | 'і' | 'Ι' | 'ι' | 'Ӏ' | 'ӏ' => 'i',
        'Ј' | 'ј' | 'ϳ' => 'j',
        'К' | 'к' | 'Κ' | 'κ' => 'k',
        'М' | 'м' | 'Μ' => 'm',
        'Ν' => 'n',
        'О' | 'о' | 'Ο' | 'ο' | 'σ' => 'o',
        'Р' | 'р' | 'Ρ' | 'ρ' => 'p',
        'Ԛ' | 'ԛ' => 'q',
        'Ѕ' | 'ѕ' => 's',
        'Т' | 'т' | 'Τ' | 'τ' => 't',
        'υ' => 'u',
        'ν' => 'v',
        'Ԝ' | 'ԝ' => 'w',
        'Х' | 'х' | 'Χ' | 'χ' => 'x',
        'У' | 'у' | 'Ү' | 'ү' | 'Υ' | 'γ' => 'y',
        'Ζ' => 'z',
        'Α' | 'α' => 'a',
        // Digits and letters that read alike.
        '0' => 'o',
        '1' | '|' => 'l',
        _ => return None,
    })
}

/// The skeleton of a name: normal form KD, homoglyphs mapped to Latin,
/// case folded, combining marks dropped. Two names with the same skeleton
/// look alike; a new name with an existing name's skeleton is refused.
pub fn skeleton(value: &str) -> String {
    value
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| latin_look_alike(c).unwrap_or(c))
        .flat_map(char::to_lowercase)
        // After folding: capital I reads as small l.
        .map(|c| if c == 'i' { 'l' } else { c })
        .collect()
}

/// The values of one attribute (node providers, data centers, ...) by
/// skeleton, to find what a new value resembles.
#[derive(Clone, Debug, Default)]
pub struct Names {
    by_skeleton: BTreeMap<String, String>,
    exact: BTreeSet<String>,
}

impl Names {
    /// The set of `values`, each also kept under its skeleton (homoglyphs mapped to Latin, case folded).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Names {
        let mut by_skeleton = BTreeMap::new();
        let mut exact = BTreeSet::new();
        for v in values {
            if exact.insert(v.to_string()) {
                by_skeleton.entry(skeleton(v)).or_insert_with(|| v.to_string());
            }
        }
        Names { by_skeleton, exact }
    }

    /// The existing value `value` resembles without being it, if any.
    /// A value that is itself an existing value resembles nothing.
    pub fn resembled(&self, value: &str) -> Option<&str> {
        if self.exact.contains(value) {
            return None;
        }
        self.by_skeleton.get(&skeleton(value)).map(String::as_str)
    }

    /// Refuse `value` if it resembles an existing value.
    pub fn check(&self, field: &str, value: &str) -> Result<(), TextError> {
        match self.resembled(value) {
            Some(existing) => Err(error(field, TextProblem::LooksLike { existing: existing.into() })),
            None => Ok(()),
        }
    }
}

/// Node ids the model makes up (`model::build`): `pipeline-<n>` for a
/// pipeline node without an id, `synthetic-...` and `candidate-<k>`. A
/// pipeline node may not take one, or a model would hold two nodes of one id.
pub const RESERVED_NODE_ID_PREFIXES: [&str; 3] = ["pipeline-", "synthetic-", "candidate-"];

/// A pipeline's node ids: each given id non-empty, at most
/// [`MAX_FIELD_BYTES`], nothing hidden, no surrounding space, given once, not
/// an id the model makes up and not the id of a registry node.
pub fn check_pipeline_ids<'a>(
    ids: impl IntoIterator<Item = (usize, Option<&'a str>)>,
    is_registry_node: impl Fn(&str) -> bool,
) -> Result<(), TextError> {
    let mut seen = BTreeSet::new();
    for (i, id) in ids {
        let Some(id) = id else { continue };
        let field = format!("pipeline[{i}].node_id");
        let nfc = check_field(&field, id)?;
        let problem = |reason: &str| Err(error(&field, TextProblem::NodeId { reason: format!("{id:?} is {reason}") }));
        if nfc != id {
            return problem("not in Unicode normal form C");
        }
        if let Some(prefix) = RESERVED_NODE_ID_PREFIXES.iter().find(|p| id.starts_with(**p)) {
            return problem(&format!("an id the model makes up (ids starting {prefix} are its own)"));
        }
        if is_registry_node(id) {
            return problem("the id of a registry node");
        }
        if !seen.insert(id) {
            return problem("given twice");
        }
    }
    Ok(())
}

/// The names a candidate row's are compared with: those of the registry
/// nodes and of the pipeline, attribute by attribute.
#[derive(Clone, Debug, Default)]
pub struct ExistingNames {
    /// The node providers' names.
    pub node_providers: Names,
    /// The data centers' names.
    pub data_centers: Names,
    /// The data-center providers' names.
    pub data_center_providers: Names,
}

impl ExistingNames {
    /// The names in `inputs` (registry and pipeline).
    pub fn of(inputs: &crate::inputs::Inputs) -> ExistingNames {
        let nodes = &inputs.nodes;
        let pipeline = &inputs.pipeline;
        ExistingNames {
            node_providers: Names::new(
                nodes
                    .iter()
                    .map(|n| n.node_provider_name.as_str())
                    .chain(pipeline.iter().map(|p| p.node_provider.as_str())),
            ),
            data_centers: Names::new(
                nodes.iter().map(|n| n.data_center.as_str()).chain(pipeline.iter().map(|p| p.data_center.as_str())),
            ),
            data_center_providers: Names::new(
                nodes
                    .iter()
                    .map(|n| n.data_center_provider.as_str())
                    .chain(pipeline.iter().map(|p| p.data_center_provider.as_str())),
            ),
        }
    }

    /// Refuse a candidate row whose names resemble existing ones without being them.
    pub fn check_candidate(&self, row: usize, c: &crate::inputs::CandidateRow) -> Result<(), TextError> {
        let f = |name: &str| format!("candidates[{row}].{name}");
        self.node_providers.check(&f("node_provider"), &c.node_provider)?;
        self.data_centers.check(&f("data_center"), &c.data_center)?;
        self.data_center_providers.check(&f("data_center_provider"), &c.data_center_provider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_look_alikes_of_the_issue_are_refused() {
        // Cyrillic СН, a zero-width space, a NUL: none is CH.
        let cyrillic = check_country("СН").unwrap_err();
        assert_eq!(cyrillic.problem, TextProblem::NotCountryCode { resembles: Some("CH") });
        assert!(matches!(
            check_country("C\u{200b}H").unwrap_err().problem,
            TextProblem::Hidden { kind: "zero-width", .. }
        ));
        assert!(matches!(check_country("CH\0").unwrap_err().problem, TextProblem::Hidden { kind: "control", .. }));
        assert!(matches!(
            check_country("C\u{202e}H").unwrap_err().problem,
            TextProblem::Hidden { kind: "bidirectional", .. }
        ));
        assert_eq!(check_country("ch").unwrap_err().problem, TextProblem::NotCountryCode { resembles: Some("CH") });
        assert_eq!(check_country("XX").unwrap_err().problem, TextProblem::NotCountryCode { resembles: None });
        assert_eq!(check_country("CH").unwrap(), "CH");
        assert_eq!(check_country("US").unwrap(), "US");
        // The registry's United Kingdom.
        assert_eq!(check_country("UK").unwrap(), "UK");
    }

    #[test]
    fn fields_are_normalised_and_hidden_characters_refused() {
        // e + combining acute is é in NFC.
        assert_eq!(check_field("f", "Caf\u{65}\u{301}").unwrap(), "Caf\u{e9}");
        assert!(matches!(check_field("f", "").unwrap_err().problem, TextProblem::Empty));
        assert!(matches!(check_field("f", " a").unwrap_err().problem, TextProblem::Spaces));
        assert!(matches!(check_field("f", "a\u{a0}b").unwrap_err().problem, TextProblem::Hidden { position: 1, .. }));
        assert!(matches!(check_field("f", &"x".repeat(129)).unwrap_err().problem, TextProblem::TooLong { .. }));
        assert_eq!(check_field("f", "Lionel Messi").unwrap(), "Lionel Messi");
    }

    #[test]
    fn look_alike_names_name_what_they_resemble() {
        let names = Names::new(["DFINITY Stiftung", "Allusion", "zh2"]);
        // Cyrillic А and О in DFINITY-like text, case, digits for letters.
        assert_eq!(names.resembled("DFINITY Stiftung"), None);
        assert_eq!(names.resembled("dfinity stiftung"), Some("DFINITY Stiftung"));
        assert_eq!(names.resembled("DFlNITY Stiftung"), Some("DFINITY Stiftung"));
        assert_eq!(names.resembled("\u{410}llusion"), Some("Allusion"));
        assert_eq!(names.resembled("Alluslon"), Some("Allusion"));
        assert_eq!(names.resembled("zh3"), None);
        assert_eq!(names.resembled("Lionel Messi"), None);
        let e = names.check("candidates[0].node_provider", "\u{410}llusion").unwrap_err();
        assert!(e.to_string().contains("\"Allusion\""), "{e}");
    }
}
