//! The target topology CSV (`topology_file`): one row per subnet type with its
//! size, SEV requirement and the four per-value limits, expanded into
//! `number_of_subnets` identical subnets in file order, as the reference
//! expands it. Later files also name each subnet (`subnet_id`).

use super::csv_table::{BoolColumn, Table};
use super::diagnostics::Diagnostics;
use crate::error::InputError;
use crate::inputs::{Attribute, SubnetSpec};
use std::collections::HashMap;

/// More subnets than any topology has had (83 in 2025); the bound keeps a typo
/// such as `number_of_subnets = 5000000000` from exhausting memory.
pub const MAX_SUBNETS: u32 = 10_000;

/// No subnet can hold more nodes than this; larger values are typos.
const MAX_SUBNET_SIZE: u32 = 1_000_000;

pub(crate) fn read_topology(
    text: &str,
    source: &str,
    diags: &mut Diagnostics,
) -> Result<Vec<(u64, SubnetSpec)>, InputError> {
    let Some(table) = Table::parse(text, source, diags)? else {
        return Err(InputError::new(source, "the file is empty; a topology needs its header line and rows"));
    };
    let subnet_type = table.require_column("subnet_type")?;
    let subnet_id = table.optional_column("subnet_id");
    let count = table.require_column("number_of_subnets")?;
    let size = table.require_column("subnet_size")?;
    let is_sev = table.require_column("is_sev")?;
    let limit_columns = Attribute::ALL.map(|a| table.require_column(&format!("subnet_limit_{}", a.name())));
    let mut limits = Vec::with_capacity(4);
    for column in limit_columns {
        limits.push(column?);
    }

    // The reference turns the column into booleans with `astype(bool)`, which is
    // right for a boolean or numeric column; a text column (one value that is not
    // a pandas boolean literal suffices) would make every subnet SEV, even those
    // marked `False`, so it is refused rather than reproduced.
    let sev_column = table.bool_column(&is_sev)?;
    if sev_column == BoolColumn::Text {
        let bad =
            table.rows.iter().find(|row| super::csv_table::pandas_bool_literal(table.raw(row, &is_sev)).is_none());
        if let Some(row) = bad {
            return Err(InputError::new(
                source,
                format!(
                    "`{}` is not one of True, TRUE, true, False, FALSE, false; with it pandas reads the whole \
                     column as text and the reference then takes every subnet as SEV, even those marked False",
                    table.raw(row, &is_sev)
                ),
            )
            .at_line(row.line)
            .field("is_sev"));
        }
    }

    let mut subnets = Vec::new();
    let mut first_line_of_id: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let copies = table.integer_in(row, &count, 0, MAX_SUBNETS)?;
        let mut spec = SubnetSpec {
            subnet_type: table.text(row, &subnet_type, diags)?,
            subnet_id: subnet_id.as_ref().and_then(|c| table.optional_text(row, c, diags)),
            size: table.integer_in(row, &size, 1, MAX_SUBNET_SIZE)?,
            is_sev: sev_column.truth(table.raw(row, &is_sev)),
            limits: [0; 4],
        };
        for (slot, column) in spec.limits.iter_mut().zip(&limits) {
            *slot = table.integer_in(row, column, 1, MAX_SUBNET_SIZE)?;
        }
        if let Some(id) = &spec.subnet_id {
            if copies > 1 {
                diags.warn(
                    source,
                    Some(row.line),
                    Some("subnet_id"),
                    format!("subnet `{id}` is expanded into {copies} subnets that all carry its id"),
                );
            }
            match first_line_of_id.get(id) {
                Some(first) => diags.warn(
                    source,
                    Some(row.line),
                    Some("subnet_id"),
                    format!("subnet `{id}` is listed again (first on line {first})"),
                ),
                None => {
                    first_line_of_id.insert(id.clone(), row.line);
                }
            }
        }
        if subnets.len() as u64 + u64::from(copies) > u64::from(MAX_SUBNETS) {
            return Err(InputError::new(source, format!("the topology expands to more than {MAX_SUBNETS} subnets"))
                .at_line(row.line)
                .field("number_of_subnets"));
        }
        for _ in 0..copies {
            subnets.push((row.line, spec.clone()));
        }
    }
    Ok(subnets)
}
