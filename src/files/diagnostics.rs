//! Collection of the warnings that reading the input files produces, and the
//! checks shared by several formats (country codes, provider spellings).
//!
//! A snapshot can repeat the same oddity hundreds of times (28 nodes whose data
//! center owner is `M247 ` with a trailing space), so identical warnings are
//! merged into one that names the first line and lists the others; the result
//! is in the order in which each oddity was first met, hence deterministic.

use crate::inputs::Warning;
use std::collections::{HashMap, HashSet};

/// Accumulates warnings, merging repeats of the same message about the same
/// field of the same file.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    entries: Vec<Entry>,
    index: HashMap<(String, Option<String>, String), usize>,
}

#[derive(Debug)]
struct Entry {
    source: String,
    field: Option<String>,
    message: String,
    lines: Vec<u64>,
    occurrences: usize,
}

/// How many other lines a merged warning lists before it only counts them.
const LISTED_LINES: usize = 5;

impl Diagnostics {
    pub(crate) fn warn(&mut self, source: &str, line: Option<u64>, field: Option<&str>, message: impl Into<String>) {
        let message = message.into();
        let key = (source.to_string(), field.map(str::to_string), message);
        match self.index.get(&key) {
            Some(&i) => {
                let entry = &mut self.entries[i];
                entry.occurrences += 1;
                if let Some(line) = line {
                    entry.lines.push(line);
                }
            }
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push(Entry {
                    source: key.0,
                    field: key.1,
                    message: key.2,
                    lines: line.into_iter().collect(),
                    occurrences: 1,
                });
            }
        }
    }

    pub(crate) fn into_warnings(self) -> Vec<Warning> {
        self.entries.into_iter().map(Entry::into_warning).collect()
    }
}

impl Entry {
    fn into_warning(self) -> Warning {
        let mut message = self.message;
        let others = &self.lines[self.lines.len().min(1)..];
        if self.occurrences > 1 {
            if others.is_empty() {
                message.push_str(&format!(" ({} occurrences)", self.occurrences));
            } else {
                let listed: Vec<String> = others.iter().take(LISTED_LINES).map(u64::to_string).collect();
                let more = if others.len() > LISTED_LINES { ", ..." } else { "" };
                message.push_str(&format!(
                    " (also on {} other line{}: {}{more})",
                    others.len(),
                    if others.len() == 1 { "" } else { "s" },
                    listed.join(", ")
                ));
            }
        }
        Warning { source: self.source, line: self.lines.first().copied(), field: self.field, message }
    }
}

/// Warns when a text value has leading or trailing whitespace, which the
/// reference keeps (so ` KR` and `KR` are different countries to it).
pub(crate) fn check_whitespace(diags: &mut Diagnostics, source: &str, line: Option<u64>, field: &str, value: &str) {
    if value.trim() != value {
        diags.warn(
            source,
            line,
            Some(field),
            format!(
                "`{value}` has surrounding whitespace; it is kept verbatim, as the reference does, \
                 so it differs from `{}`",
                value.trim()
            ),
        );
    }
}

/// ISO 3166-1 alpha-2 codes: the 249 officially assigned ones, sorted.
pub const ISO_3166_ALPHA2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", //
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", //
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", //
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", //
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF", //
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", //
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", //
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", //
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", //
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", //
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", //
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", //
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", //
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", //
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", //
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Whether `code` is an ISO 3166-1 alpha-2 code, or `XK` (Kosovo), the
/// user-assigned code that the reference's European country list uses.
pub fn is_known_country(code: &str) -> bool {
    code == "XK" || ISO_3166_ALPHA2.binary_search(&code).is_ok()
}

/// Warns when a country is not a known code. The value is checked trimmed:
/// surrounding whitespace gets its own warning from [`check_whitespace`].
pub(crate) fn check_country(diags: &mut Diagnostics, source: &str, line: Option<u64>, field: &str, country: &str) {
    let code = country.trim();
    if is_known_country(code) {
        return;
    }
    let message = if code == "UK" {
        "`UK` is not an ISO 3166-1 alpha-2 code (the United Kingdom is `GB`); countries are compared \
         exactly, as the reference does, so `UK` and `GB` count as different countries"
            .to_string()
    } else {
        format!("`{code}` is not an ISO 3166-1 alpha-2 country code; it is taken as given")
    };
    diags.warn(source, line, Some(field), message);
}

/// Where a provider name was written.
#[derive(Clone, Debug)]
pub(crate) struct NameSite<'a> {
    pub source: &'a str,
    pub line: Option<u64>,
    pub field: &'a str,
    pub name: &'a str,
}

/// The form under which two spellings of a name count as "the same name".
fn loose_form(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Warns about every file's spelling of a provider name that differs from the
/// first spelling met only in case or whitespace: the reference compares names
/// exactly, so `ACCUSET SOLUTIONS` (2023 nodes) and `Accuset Solutions` (2023
/// pipeline and SEV list) are two providers to it, and the SEV list does not
/// cover the nodes. Sites are taken in the given order; each file gets one
/// warning per differing spelling, at its first line.
pub(crate) fn check_provider_spellings(diags: &mut Diagnostics, sites: &[NameSite<'_>]) {
    let mut first_by_form: HashMap<String, &NameSite<'_>> = HashMap::new();
    let mut warned: HashSet<(&str, &str)> = HashSet::new();
    for site in sites {
        let first = *first_by_form.entry(loose_form(site.name)).or_insert(site);
        if first.name == site.name || !warned.insert((site.source, site.name)) {
            continue;
        }
        let at = match first.line {
            Some(line) => format!("{} line {line}", first.source),
            None => first.source.to_string(),
        };
        diags.warn(
            site.source,
            site.line,
            Some(site.field),
            format!(
                "provider `{}` is spelled `{}` in {at}; names are compared exactly, as the reference does, so \
                 these count as different providers",
                site.name, first.name
            ),
        );
    }
}
