//! The registry's nodes in the public dashboard's `nodes.csv` format, the
//! reference's `nodes_file`. Only the columns the model uses are read; the
//! dashboard's others (IP address, GuestOS version, ...) are ignored, as the
//! reference ignores them. The country is not split out of `region` here: the
//! reference versions differ on whether they trim it, so that is left to the
//! rule set, and this reader only warns about what would make them differ.

use super::csv_table::Table;
use super::diagnostics::{check_country, Diagnostics};
use crate::error::InputError;
use crate::inputs::RegistryNode;
use std::collections::HashMap;

pub(crate) fn read_nodes(
    text: &str,
    source: &str,
    diags: &mut Diagnostics,
) -> Result<Vec<(u64, RegistryNode)>, InputError> {
    let Some(table) = Table::parse(text, source, diags)? else {
        return Err(InputError::new(source, "the file is empty; a nodes file needs at least its header line"));
    };
    let node_id = table.require_column("node_id")?;
    let provider_name = table.require_column("node_provider_name")?;
    let provider_id = table.require_column("node_provider_id")?;
    let operator_id = table.require_column("node_operator_id")?;
    let dc_id = table.require_column("dc_id")?;
    let owner = table.require_column("owner")?;
    let region = table.require_column("region")?;
    let status = table.require_column("status")?;
    let node_type = table.optional_column("node_type");
    let subnet_id = table.optional_column("subnet_id");

    let mut nodes = Vec::with_capacity(table.rows.len());
    let mut first_line_of_id: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let node = RegistryNode {
            node_id: table.text(row, &node_id, diags)?,
            node_provider_name: table.text(row, &provider_name, diags)?,
            node_provider_id: table.text(row, &provider_id, diags)?,
            node_operator_id: table.text(row, &operator_id, diags)?,
            data_center: table.text(row, &dc_id, diags)?,
            data_center_provider: table.text(row, &owner, diags)?,
            region: table.text(row, &region, diags)?,
            node_type: node_type.as_ref().and_then(|c| table.optional_text(row, c, diags)),
            status: table.text(row, &status, diags)?,
            subnet_id: subnet_id.as_ref().and_then(|c| table.optional_text(row, c, diags)),
        };
        check_region(diags, source, row.line, &node.region);
        if let Some(first) = first_line_of_id.get(&node.node_id) {
            diags.warn(
                source,
                Some(row.line),
                Some("node_id"),
                format!("node `{}` is listed again (first on line {first}); each row counts as a node", node.node_id),
            );
        } else {
            first_line_of_id.insert(node.node_id.clone(), row.line);
        }
        nodes.push((row.line, node));
    }
    Ok(nodes)
}

/// Checks the country part of a "Continent,CC,City" region.
fn check_region(diags: &mut Diagnostics, source: &str, line: u64, region: &str) {
    match region.split(',').nth(1) {
        None => diags.warn(
            source,
            Some(line),
            Some("region"),
            format!(
                "region `{region}` has no country (its second comma-separated part); the 2025 reference \
                 takes the country `UNKNOWN`, earlier versions fail"
            ),
        ),
        Some(country) => {
            if country.trim() != country {
                diags.warn(
                    source,
                    Some(line),
                    Some("region"),
                    format!(
                        "the country `{country}` in region `{region}` has surrounding whitespace; the 2025 \
                         reference trims it, the 2023 and 2024 versions keep it"
                    ),
                );
            }
            check_country(diags, source, Some(line), "region", country);
        }
    }
}
