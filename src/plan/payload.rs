//! The payload of a `ChangeSubnetMembership` proposal, as the plan's checks
//! read it: the subnet and the nodes it adds and removes. It sits below the
//! checks that read it (`verify`, `verify_proposal`) so neither imports the other for it.

use serde::{Deserialize, Serialize};

/// A `ChangeSubnetMembership` payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// The subnet the proposal changes.
    pub subnet_id: String,
    /// The nodes it adds.
    pub node_ids_add: Vec<String>,
    /// The nodes it removes.
    pub node_ids_remove: Vec<String>,
}

impl Payload {
    /// The payload as the NNS dashboard and governance's JSON rendering show it:
    /// an object with `subnet_id`, `node_ids_add` and `node_ids_remove`, each id
    /// a principal's text (or an object holding it, such as
    /// `{"__principal__": "..."}`); the object may sit one level inside another
    /// (`{"ChangeSubnetMembership": {...}}`). A missing or malformed field is an
    /// error that names it.
    pub fn from_json(text: &str) -> Result<Payload, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("the payload is not valid JSON: {e}"))?;
        let object = find_payload(&value).ok_or(
            "the JSON payload has no object with a `subnet_id` (expected {\"subnet_id\": \"...\", \"node_ids_add\": [...], \"node_ids_remove\": [...]})",
        )?;
        let id = |v: &serde_json::Value, field: &str| -> Result<String, String> {
            match v {
                serde_json::Value::String(s) => Ok(s.trim().to_string()),
                serde_json::Value::Object(m) if m.len() == 1 => match m.values().next() {
                    Some(serde_json::Value::String(s)) => Ok(s.trim().to_string()),
                    _ => Err(format!("`{field}` holds {v}, not a principal's text")),
                },
                _ => Err(format!("`{field}` holds {v}, not a principal's text")),
            }
        };
        let list = |field: &str| -> Result<Vec<String>, String> {
            match object.get(field) {
                None | Some(serde_json::Value::Null) => Ok(Vec::new()),
                Some(serde_json::Value::Array(items)) => {
                    items.iter().enumerate().map(|(i, v)| id(v, &format!("{field}[{i}]"))).collect()
                }
                Some(other) => Err(format!("`{field}` holds {other}, not a list of principals")),
            }
        };
        let subnet = object.get("subnet_id").ok_or("the JSON payload has no `subnet_id`")?;
        let payload = Payload {
            subnet_id: id(subnet, "subnet_id")?,
            node_ids_add: list("node_ids_add")?,
            node_ids_remove: list("node_ids_remove")?,
        };
        if payload.subnet_id.is_empty() {
            return Err("`subnet_id` is empty".to_string());
        }
        Ok(payload)
    }
}

/// The object holding `subnet_id`: the value itself or one of its fields.
fn find_payload(v: &serde_json::Value) -> Option<&serde_json::Map<String, serde_json::Value>> {
    let object = v.as_object()?;
    if object.contains_key("subnet_id") {
        return Some(object);
    }
    object.values().find_map(|inner| inner.as_object().filter(|o| o.contains_key("subnet_id")))
}

#[cfg(test)]
mod tests {
    use super::Payload;

    #[test]
    fn the_dashboard_json_is_read() {
        let p = Payload::from_json(
            r#"{"subnet_id": "aaaaa-aa", "node_ids_add": ["n1", {"__principal__": "n2"}], "node_ids_remove": []}"#,
        )
        .unwrap();
        assert_eq!(p.subnet_id, "aaaaa-aa");
        assert_eq!(p.node_ids_add, vec!["n1", "n2"]);
        assert!(p.node_ids_remove.is_empty());
        let nested = Payload::from_json(r#"{"ChangeSubnetMembership": {"subnet_id": "s", "node_ids_remove": ["x"]}}"#);
        assert_eq!(nested.unwrap().node_ids_remove, vec!["x"]);
    }

    #[test]
    fn a_malformed_json_payload_names_its_field() {
        let e = Payload::from_json(r#"{"subnet_id": "s", "node_ids_add": "n1"}"#).unwrap_err();
        assert!(e.contains("`node_ids_add`"), "{e}");
        let e = Payload::from_json(r#"{"subnet_id": 7}"#).unwrap_err();
        assert!(e.contains("`subnet_id`"), "{e}");
        let e = Payload::from_json(r#"{"node_ids_add": []}"#).unwrap_err();
        assert!(e.contains("subnet_id"), "{e}");
        assert!(Payload::from_json("{not json").unwrap_err().contains("not valid JSON"));
    }
}
