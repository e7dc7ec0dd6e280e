//! JSON as the reference's `json.load` sees it: objects keep their keys in file
//! order (a provider listed in two cluster groups ends in the first group, so
//! the order is part of the meaning), and a key given twice keeps the position
//! of its first occurrence and the value of its last, as a Python dict does.
//! serde_json's own map sorts its keys unless its `preserve_order` feature is
//! on, which would change every other user of serde_json in the build, so the
//! order is collected here with a small visitor instead. The line of every key
//! is found by a second, lexical pass over the text (serde_json does not expose
//! positions), so errors about a key can name its line.

use super::diagnostics::Diagnostics;
use crate::error::InputError;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::HashMap;
use std::fmt;

/// A JSON value with object keys in file order (duplicates kept as written).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Integer(i128),
    Float(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// What the value is, for messages ("expected a string, found an array").
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Integer(_) => "an integer",
            Json::Float(_) => "a number with a fraction",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Integer(i128::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Integer(i128::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            entries.push((key, value));
        }
        Ok(Json::Object(entries))
    }
}

/// A parsed JSON document with the line of each key path.
pub(crate) struct JsonDoc<'s> {
    pub source: &'s str,
    pub value: Json,
    key_lines: HashMap<Vec<String>, u64>,
}

impl<'s> JsonDoc<'s> {
    pub(crate) fn parse(text: &str, source: &'s str) -> Result<Self, InputError> {
        // A byte-order mark (as Windows editors write) is accepted, as in CSV files.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let value: Json = serde_json::from_str(text).map_err(|e| {
            let error = InputError::new(source, format!("invalid JSON: {e}"));
            if e.line() > 0 {
                error.at_line(e.line() as u64)
            } else {
                error
            }
        })?;
        Ok(JsonDoc { source, value, key_lines: key_lines(text) })
    }

    /// The line of the first occurrence of the key at `path` (object keys from
    /// the top; arrays add no step).
    pub(crate) fn line(&self, path: &[&str]) -> Option<u64> {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        self.key_lines.get(&path).copied()
    }

    /// An error about the key at `path`, naming it as a JSON pointer.
    pub(crate) fn error(&self, path: &[&str], reason: impl Into<String>) -> InputError {
        let error = InputError::new(self.source, reason).field(pointer(path));
        match self.line(path) {
            Some(line) => error.at_line(line),
            None => error,
        }
    }
}

/// A JSON pointer (RFC 6901) for a key path: `/NNS/node_provider/DFINITY`.
pub(crate) fn pointer(path: &[&str]) -> String {
    path.iter().map(|key| format!("/{}", key.replace('~', "~0").replace('/', "~1"))).collect()
}

/// Applies Python's rule for keys given twice (first position, last value),
/// with a warning, and returns the entries in file order.
pub(crate) fn dedup_entries(
    doc: &JsonDoc<'_>,
    parent: &[&str],
    entries: Vec<(String, Json)>,
    diags: &mut Diagnostics,
) -> Vec<(String, Json)> {
    let mut out: Vec<(String, Json)> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => {
                let mut path = parent.to_vec();
                path.push(&key);
                diags.warn(
                    doc.source,
                    doc.line(&path),
                    Some(&pointer(&path)),
                    format!("key `{key}` is given more than once; the last value is used, as Python's json does"),
                );
                slot.1 = value;
            }
            None => out.push((key, value)),
        }
    }
    out
}

/// The line of every object key path in a JSON text that serde_json accepted,
/// by a lexical pass: strings are tracked so that braces and colons inside
/// them do not count.
fn key_lines(text: &str) -> HashMap<Vec<String>, u64> {
    #[derive(PartialEq)]
    enum Frame {
        Object,
        Array,
    }
    let mut lines = HashMap::new();
    let mut frames: Vec<Frame> = Vec::new();
    // The key path of the container being read; one entry per object frame
    // that has seen a key.
    let mut path: Vec<String> = Vec::new();
    let mut path_depth: Vec<bool> = Vec::new(); // per frame: whether it pushed onto `path`
    let mut line: u64 = 1;
    let mut chars = text.char_indices().peekable();
    let mut last_string: Option<(String, u64)> = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' => line += 1,
            '"' => {
                let start_line = line;
                let start = i;
                let mut end = text.len();
                let mut escaped = false;
                for (j, d) in chars.by_ref() {
                    if d == '\n' {
                        line += 1;
                    }
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        end = j + 1;
                        break;
                    }
                }
                let raw = text.get(start..end).unwrap_or("\"\"");
                let decoded = serde_json::from_str::<String>(raw).unwrap_or_default();
                last_string = Some((decoded, start_line));
            }
            ':' if frames.last() == Some(&Frame::Object) => {
                if let Some((key, key_line)) = last_string.take() {
                    if path_depth.last() == Some(&true) {
                        path.pop();
                    }
                    path.push(key);
                    if let Some(flag) = path_depth.last_mut() {
                        *flag = true;
                    }
                    lines.entry(path.clone()).or_insert(key_line);
                }
            }
            '{' | '[' => {
                frames.push(if c == '{' { Frame::Object } else { Frame::Array });
                path_depth.push(false);
                last_string = None;
            }
            '}' | ']' => {
                frames.pop();
                if path_depth.pop() == Some(true) {
                    path.pop();
                }
                last_string = None;
            }
            ',' => last_string = None,
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_file_order_and_lines() {
        let text = "{\n  \"b\": {\"x\": [1, {\"y\": 2}]},\n  \"a\": \"{:}\",\n  \"c\": {\n    \"x\": 1\n  }\n}";
        let doc = JsonDoc::parse(text, "t.json").expect("valid JSON");
        let Json::Object(entries) = &doc.value else { panic!("object expected") };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(doc.line(&["b"]), Some(2));
        assert_eq!(doc.line(&["b", "x"]), Some(2));
        assert_eq!(doc.line(&["b", "x", "y"]), Some(2));
        assert_eq!(doc.line(&["a"]), Some(3));
        assert_eq!(doc.line(&["c"]), Some(4));
        assert_eq!(doc.line(&["c", "x"]), Some(5));
        assert_eq!(doc.line(&["x"]), None);
    }

    #[test]
    fn pointer_escapes() {
        assert_eq!(pointer(&["a/b", "c~d"]), "/a~1b/c~0d");
    }
}
