//! A cluster scenario (`scenario`): `{ "group name": ["provider", ...], ... }`.
//! The providers of a group count as one provider, named after the group, for
//! the provider limit. The reference renames group by group in file order, so
//! a provider listed in two groups ends in the first, and a group named like a
//! provider of a later group is renamed again; both are warned about.

use super::diagnostics::{check_whitespace, Diagnostics};
use super::json::{dedup_entries, Json, JsonDoc};
use crate::error::InputError;
use crate::inputs::ProviderCluster;

pub(crate) fn read_clusters(doc: &JsonDoc<'_>, diags: &mut Diagnostics) -> Result<Vec<ProviderCluster>, InputError> {
    let Json::Object(entries) = doc.value.clone() else {
        return Err(InputError::new(
            doc.source,
            format!(
                "a cluster scenario is an object {{\"group name\": [\"provider\", ...]}}, found {}",
                doc.value.kind()
            ),
        ));
    };
    let mut clusters: Vec<ProviderCluster> = Vec::new();
    for (name, value) in dedup_entries(doc, &[], entries, diags) {
        let path = [name.as_str()];
        let Json::Array(items) = value else {
            return Err(doc.error(&path, format!("expected an array of provider names, found {}", value.kind())));
        };
        let mut members = Vec::with_capacity(items.len());
        for item in items {
            let Json::String(member) = item else {
                return Err(doc.error(&path, format!("expected provider names (strings), found {}", item.kind())));
            };
            check_whitespace(diags, doc.source, doc.line(&path), &super::json::pointer(&path), &member);
            if let Some(earlier) = clusters.iter().find(|c| c.members.contains(&member)) {
                diags.warn(
                    doc.source,
                    doc.line(&path),
                    Some(&super::json::pointer(&path)),
                    format!(
                        "provider `{member}` is also in the earlier group `{}`; groups are applied in file \
                         order, so it stays in `{}`",
                        earlier.name, earlier.name
                    ),
                );
            }
            if let Some(earlier) = clusters.iter().find(|c| c.name == member) {
                diags.warn(
                    doc.source,
                    doc.line(&path),
                    Some(&super::json::pointer(&path)),
                    format!(
                        "`{member}` is the name of the earlier group `{}`; as groups are applied in file order, \
                         that whole group is renamed `{name}` too",
                        earlier.name
                    ),
                );
            }
            members.push(member);
        }
        clusters.push(ProviderCluster { name, members });
    }
    Ok(clusters)
}
