//! Special limits (`special_limits_file`):
//! `{ scope: { attribute: { value: [n, "eq" | "lt"] } } }`, where a scope is
//! `default`, a subnet id or a subnet type, and `"lt"` means "at most" (the
//! reference writes it `<=`). The reference keys its file by its internal
//! subnet index, which a JSON file cannot match (so it never applies one: see
//! docs/model.md); this project keys it by what a reader can write down.
//!
//! Whether a scope names a subnet of the topology can only be checked with the
//! topology at hand: [`resolve_special_limits`] does that once both are read.

use super::diagnostics::Diagnostics;
use super::json::{dedup_entries, pointer, Json, JsonDoc};
use crate::error::InputError;
use crate::inputs::{Attribute, LimitOp, SpecialLimit, SpecialLimitScope, SpecialLimits, SubnetSpec};
use std::collections::BTreeMap;

/// Whether `key` has the textual form of a principal: groups of five
/// lowercase base-32 characters joined by `-`, the last group 1 to 5 long.
pub fn looks_like_principal(key: &str) -> bool {
    let groups: Vec<&str> = key.split('-').collect();
    let Some((last, full)) = groups.split_last() else {
        return false;
    };
    let base32 = |g: &str| g.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
    groups.len() >= 2 && full.iter().all(|g| g.len() == 5 && base32(g)) && (1..=5).contains(&last.len()) && base32(last)
}

/// The scope a key of the file names, before it is checked against a topology.
pub fn scope_of_key(key: &str) -> SpecialLimitScope {
    if key == "default" {
        SpecialLimitScope::Default
    } else if looks_like_principal(key) {
        SpecialLimitScope::SubnetId(key.to_string())
    } else {
        SpecialLimitScope::SubnetType(key.to_string())
    }
}

pub(crate) fn read_special_limits(doc: &JsonDoc<'_>, diags: &mut Diagnostics) -> Result<SpecialLimits, InputError> {
    let Json::Object(scopes) = doc.value.clone() else {
        return Err(InputError::new(
            doc.source,
            format!(
                "special limits are an object {{scope: {{attribute: {{value: [n, \"eq\" | \"lt\"]}}}}}}, found {}",
                doc.value.kind()
            ),
        ));
    };
    let mut limits = SpecialLimits::new();
    for (scope_key, attributes) in dedup_entries(doc, &[], scopes, diags) {
        let scope_path = [scope_key.as_str()];
        let Json::Object(attributes) = attributes else {
            return Err(
                doc.error(&scope_path, format!("expected an object of attributes, found {}", attributes.kind()))
            );
        };
        let mut by_attribute = BTreeMap::new();
        for (attribute_key, values) in dedup_entries(doc, &scope_path, attributes, diags) {
            let attribute_path = [scope_key.as_str(), attribute_key.as_str()];
            let Some(attribute) = Attribute::from_name(&attribute_key) else {
                return Err(doc.error(
                    &attribute_path,
                    format!(
                        "unknown attribute `{attribute_key}`; expected one of {}",
                        Attribute::ALL.map(Attribute::name).join(", ")
                    ),
                ));
            };
            let Json::Object(values) = values else {
                return Err(doc.error(
                    &attribute_path,
                    format!("expected an object {{value: [n, \"eq\" | \"lt\"]}}, found {}", values.kind()),
                ));
            };
            let mut by_value = BTreeMap::new();
            for (value, limit) in dedup_entries(doc, &attribute_path, values, diags) {
                let path = [scope_key.as_str(), attribute_key.as_str(), value.as_str()];
                by_value.insert(value.clone(), read_limit(doc, &path, &limit)?);
            }
            by_attribute.insert(attribute, by_value);
        }
        limits.insert(scope_of_key(&scope_key), by_attribute);
    }
    Ok(limits)
}

fn read_limit(doc: &JsonDoc<'_>, path: &[&str], limit: &Json) -> Result<SpecialLimit, InputError> {
    let shape = "expected [n, \"eq\"] (exactly n) or [n, \"lt\"] (at most n)";
    let Json::Array(items) = limit else {
        return Err(doc.error(path, format!("{shape}, found {}", limit.kind())));
    };
    let [count, op] = items.as_slice() else {
        return Err(doc.error(path, format!("{shape}, found an array of {} elements", items.len())));
    };
    let count = match count {
        Json::Integer(n) => u32::try_from(*n)
            .map_err(|_| doc.error(path, format!("the count {n} must be a whole number from 0 to {}", u32::MAX)))?,
        other => return Err(doc.error(path, format!("{shape}; the count is {}", other.kind()))),
    };
    let op = match op {
        Json::String(op) if op == "eq" => LimitOp::Exactly,
        Json::String(op) if op == "lt" => LimitOp::AtMost,
        Json::String(op) if op == "gt" => {
            return Err(doc.error(path, "`gt` is not supported (the reference refuses it too): use \"eq\" or \"lt\""))
        }
        Json::String(op) => return Err(doc.error(path, format!("unknown operator `{op}`: use \"eq\" or \"lt\""))),
        other => return Err(doc.error(path, format!("{shape}; the operator is {}", other.kind()))),
    };
    Ok(SpecialLimit { count, op })
}

/// Checks every scope of `limits` against the topology. A key whose form
/// suggested a subnet id but that names a subnet type (or the reverse, such as
/// the placeholder id `xxx` of one 2025 file) is taken for what it names.
pub fn resolve_special_limits(
    limits: SpecialLimits,
    topology: &[SubnetSpec],
    source: &str,
) -> Result<SpecialLimits, InputError> {
    resolve_scopes(limits, topology).map_err(|key| unknown_subnet(source, &key))
}

/// [`resolve_special_limits`], failing with the key that names no subnet.
pub(crate) fn resolve_scopes(limits: SpecialLimits, topology: &[SubnetSpec]) -> Result<SpecialLimits, String> {
    let is_id = |key: &str| topology.iter().any(|s| s.subnet_id.as_deref() == Some(key));
    let is_type = |key: &str| topology.iter().any(|s| s.subnet_type == key);
    let mut resolved = SpecialLimits::new();
    for (scope, by_attribute) in limits {
        let scope = match scope_key(&scope).map(str::to_string) {
            None => SpecialLimitScope::Default,
            Some(key) => match (is_id(&key), is_type(&key)) {
                // Both a subnet id and a subnet type: the key's form decides.
                (true, true) => scope,
                (true, false) => SpecialLimitScope::SubnetId(key),
                (false, true) => SpecialLimitScope::SubnetType(key),
                (false, false) => return Err(key),
            },
        };
        // Keys are distinct and keep their text, so no two land on one scope.
        resolved.insert(scope, by_attribute);
    }
    Ok(resolved)
}

pub(crate) fn unknown_subnet(source: &str, key: &str) -> InputError {
    InputError::new(
        source,
        format!(
            "unknown subnet in special limits: `{key}` is neither a subnet id nor a subnet type of the topology \
             (nor `default`)"
        ),
    )
    .field(pointer(&[key]))
}

fn scope_key(scope: &SpecialLimitScope) -> Option<&str> {
    match scope {
        SpecialLimitScope::SubnetId(key) | SpecialLimitScope::SubnetType(key) => Some(key),
        SpecialLimitScope::Default => None,
    }
}
