//! The blacklist YAML (`blacklist_file`): cordoned node features,
//!
//! ```yaml
//! features:
//!   - feature: node_provider      # node_id | node_provider | node_operator | data_center | data_center_provider
//!     value: g7dkt-aapqq-...
//!     explanation: Freeing up Antwerp nodes   # optional, not used
//! ```
//!
//! The reference skips entries it does not understand; here an unknown
//! feature or an entry without a value is an error, so a typo cannot silently
//! un-cordon a node. The document is read from the YAML parser's events rather
//! than through yaml-rust2's loader so that errors can name their line.

use super::diagnostics::{check_whitespace, Diagnostics};
use crate::error::InputError;
use crate::inputs::{Cordon, CordonedFeature};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Yaml;

/// A YAML node with the line it starts on.
#[derive(Debug)]
enum Node {
    /// `text` is false for a plain scalar that YAML would read as null, a
    /// boolean, a number or a date rather than as a string.
    Scalar {
        value: String,
        text: bool,
        line: u64,
    },
    Seq {
        items: Vec<Node>,
        line: u64,
    },
    Map {
        entries: Vec<(Node, Node)>,
        line: u64,
    },
    Alias {
        line: u64,
    },
}

impl Node {
    fn line(&self) -> u64 {
        match self {
            Node::Scalar { line, .. } | Node::Seq { line, .. } | Node::Map { line, .. } | Node::Alias { line } => *line,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Node::Scalar { value, text: false, .. } if is_yaml_null(value))
    }

    fn kind(&self) -> &'static str {
        match self {
            Node::Scalar { text: true, .. } => "text",
            Node::Scalar { value, .. } if is_yaml_null(value) => "nothing (null)",
            Node::Scalar { .. } => "a number, boolean or date",
            Node::Seq { .. } => "a list",
            Node::Map { .. } => "a mapping",
            Node::Alias { .. } => "an alias",
        }
    }
}

fn is_yaml_null(value: &str) -> bool {
    matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

/// Whether a plain (unquoted) scalar is read as a string by PyYAML's
/// `safe_load` (YAML 1.1 rules, which the reference uses), rather than as null,
/// a boolean, a number or a date.
fn plain_is_text(value: &str) -> bool {
    const YAML_1_1_BOOLEANS: [&str; 12] =
        ["yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"];
    if is_yaml_null(value) || YAML_1_1_BOOLEANS.contains(&value) || !matches!(Yaml::from_str(value), Yaml::String(_)) {
        return false;
    }
    // YAML 1.1 also reads `1_000` and the base-60 `1:30` as numbers.
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    let grouped_number = unsigned.starts_with(|c: char| c.is_ascii_digit())
        && unsigned.bytes().all(|b| b.is_ascii_digit() || b"_:.".contains(&b));
    let date = value.len() >= 8
        && value.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && value.as_bytes()[4] == b'-'
        && value.as_bytes()[5].is_ascii_digit();
    !(grouped_number || date)
}

#[derive(Default)]
struct Events(Vec<(Event, Marker)>);

impl MarkedEventReceiver for Events {
    fn on_event(&mut self, event: Event, mark: Marker) {
        self.0.push((event, mark));
    }
}

enum Building {
    Seq(Vec<Node>, u64),
    Map(Vec<(Node, Node)>, Option<Node>, u64),
}

/// Builds the documents of a YAML text, iteratively (no recursion, so deep
/// nesting cannot overflow the stack).
fn documents(text: &str, source: &str) -> Result<Vec<Node>, InputError> {
    let mut events = Events::default();
    Parser::new_from_str(text).load(&mut events, true).map_err(|e| {
        InputError::new(source, format!("invalid YAML: {}", e.info())).at_line(e.marker().line() as u64)
    })?;
    let mut docs = Vec::new();
    let mut stack: Vec<Building> = Vec::new();
    for (event, mark) in events.0 {
        let line = mark.line() as u64;
        let done = match event {
            Event::Scalar(value, style, _, tag) => {
                let text = style != TScalarStyle::Plain
                    || tag.is_some_and(|t| t.suffix == "str" || t.suffix.ends_with(":str"))
                    || plain_is_text(&value);
                Node::Scalar { value, text, line }
            }
            Event::Alias(_) => Node::Alias { line },
            Event::SequenceStart(..) => {
                stack.push(Building::Seq(Vec::new(), line));
                continue;
            }
            Event::MappingStart(..) => {
                stack.push(Building::Map(Vec::new(), None, line));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Building::Seq(items, line)) => Node::Seq { items, line },
                Some(Building::Map(entries, _, line)) => Node::Map { entries, line },
                None => continue,
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {
                continue
            }
        };
        match stack.last_mut() {
            None => docs.push(done),
            Some(Building::Seq(items, _)) => items.push(done),
            Some(Building::Map(entries, pending, _)) => match pending.take() {
                None => *pending = Some(done),
                Some(key) => entries.push((key, done)),
            },
        }
    }
    Ok(docs)
}

pub(crate) fn read_blacklist(text: &str, source: &str, diags: &mut Diagnostics) -> Result<Vec<Cordon>, InputError> {
    let mut docs = documents(text, source)?;
    if docs.len() > 1 {
        return Err(InputError::new(source, "expected one YAML document, found several (separated by `---`)")
            .at_line(docs[1].line()));
    }
    let Some(doc) = docs.pop() else {
        return Ok(Vec::new());
    };
    if doc.is_null() {
        return Ok(Vec::new());
    }
    let Node::Map { entries, .. } = doc else {
        return Err(InputError::new(
            source,
            format!("expected a mapping with the key `features`, found {}", doc.kind()),
        )
        .at_line(doc.line()));
    };
    let mut features = None;
    for (key, value) in entries {
        match &key {
            Node::Scalar { value: name, .. } if name == "features" => features = Some(value),
            _ => diags.warn(
                source,
                Some(key.line()),
                None,
                format!("top-level key {} is not used (only `features` is)", describe_key(&key)),
            ),
        }
    }
    let list = match features {
        None => return Ok(Vec::new()),
        Some(node) if node.is_null() => return Ok(Vec::new()),
        Some(Node::Seq { items, .. }) => items,
        Some(other) => {
            return Err(InputError::new(source, format!("`features` must be a list, found {}", other.kind()))
                .at_line(other.line())
                .field("features"))
        }
    };
    let mut cordons: Vec<Cordon> = Vec::with_capacity(list.len());
    for item in list {
        let cordon = read_entry(item, source, diags)?;
        if cordons.contains(&cordon) {
            diags.warn(
                source,
                None,
                Some("value"),
                format!("`{}: {}` is listed more than once", cordon.feature.name(), cordon.value),
            );
        } else {
            cordons.push(cordon);
        }
    }
    Ok(cordons)
}

fn describe_key(key: &Node) -> String {
    match key {
        Node::Scalar { value, .. } => format!("`{value}`"),
        other => other.kind().to_string(),
    }
}

fn read_entry(item: Node, source: &str, diags: &mut Diagnostics) -> Result<Cordon, InputError> {
    let entry_line = item.line();
    let Node::Map { entries, .. } = item else {
        return Err(InputError::new(
            source,
            format!("a `features` entry must be a mapping with `feature` and `value`, found {}", item.kind()),
        )
        .at_line(entry_line));
    };
    let mut feature = None;
    let mut value = None;
    for (key, node) in entries {
        match &key {
            Node::Scalar { value: name, .. } if name == "feature" => feature = Some(node),
            Node::Scalar { value: name, .. } if name == "value" => value = Some(node),
            Node::Scalar { value: name, .. } if name == "explanation" => {}
            _ => diags.warn(
                source,
                Some(key.line()),
                None,
                format!("key {} of a `features` entry is not used", describe_key(&key)),
            ),
        }
    }
    let feature = match feature {
        Some(Node::Scalar { value: name, line, .. }) => match CordonedFeature::from_name(&name) {
            Some(feature) => feature,
            None => {
                return Err(InputError::new(
                    source,
                    format!(
                        "unknown feature `{name}`; expected one of {}",
                        CordonedFeature::ALL.map(CordonedFeature::name).join(", ")
                    ),
                )
                .at_line(line)
                .field("feature"))
            }
        },
        Some(other) => {
            return Err(InputError::new(source, format!("`feature` must be a name, found {}", other.kind()))
                .at_line(other.line())
                .field("feature"))
        }
        None => return Err(InputError::new(source, "entry without `feature`").at_line(entry_line).field("feature")),
    };
    let value = match value {
        Some(Node::Scalar { value, text: true, line }) => {
            check_whitespace(diags, source, Some(line), "value", &value);
            value
        }
        Some(node) if node.is_null() => {
            return Err(InputError::new(source, "entry without a value (the reference would skip it)")
                .at_line(node.line())
                .field("value"))
        }
        Some(Node::Scalar { value, line, .. }) => {
            return Err(InputError::new(
                source,
                format!("`{value}` is read by YAML as a number, boolean or date, not as text: quote it"),
            )
            .at_line(line)
            .field("value"))
        }
        Some(other) => {
            return Err(InputError::new(source, format!("`value` must be text, found {}", other.kind()))
                .at_line(other.line())
                .field("value"))
        }
        None => {
            return Err(InputError::new(source, "entry without `value` (the reference would skip it)")
                .at_line(entry_line)
                .field("value"))
        }
    };
    Ok(Cordon { feature, value })
}
