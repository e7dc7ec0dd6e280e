//! Nodes that are not in the registry yet: the node pipeline CSV
//! (`node_pipeline_file`) and candidate nodes (a CSV file or a `--candidate`
//! argument).
//!
//! The pipeline comes in two formats. The 2023/2024 one has a `no_nodes` column
//! and a row stands for that many identical, unnamed nodes; the 2025 one has a
//! `node_id` column and a row is one node. Its `is_sev` column is read with
//! pandas' semantics, because the reference never converts it: a column of
//! boolean literals is boolean, but a single other value (the 2023 file has
//! ` True`) leaves the whole column as text, and the reference's truth test then
//! makes every value SEV-capable, `False` included.
//!
//! Candidates are this project's own input, not a reference file, so they are
//! read strictly: `is_sev` must be a boolean and surrounding whitespace in a
//! name is refused rather than kept (see [`parse_candidate_arg`]).

use super::csv_table::{pandas_bool_literal, BoolColumn, Column, Table};
use super::diagnostics::{check_country, Diagnostics};
use crate::error::InputError;
use crate::inputs::{CandidateRow, PlannedNode};
use std::collections::HashMap;

/// More nodes than the network will have for years (about 1,500 in 2025); the
/// bound keeps a typo in `no_nodes` from exhausting memory.
pub const MAX_PLANNED_NODES: u32 = 100_000;

/// Candidate nodes per evaluation on the command line, in all rows together:
/// each is a point of the curve, solved exactly (the canister allows 32).
pub const MAX_CANDIDATE_NODES: u32 = 1_000;

/// Refuse more than [`MAX_CANDIDATE_NODES`] candidate nodes in all.
pub fn check_candidate_total(rows: &[CandidateRow], source: &str) -> Result<(), InputError> {
    let total: u64 = rows.iter().map(|r| u64::from(r.no_nodes)).sum();
    if total > u64::from(MAX_CANDIDATE_NODES) {
        return Err(InputError::new(
            source,
            format!(
                "{total} candidate nodes in all; at most {MAX_CANDIDATE_NODES} are evaluated at once (each is a \
                 point of the curve, solved exactly): split them into several evaluations"
            ),
        )
        .field("no_nodes"));
    }
    Ok(())
}

/// The columns of the 2023/2024 pipeline and of candidates, in file order.
pub const CANDIDATE_COLUMNS: [&str; 6] =
    ["node_provider", "data_center", "data_center_provider", "country", "is_sev", "no_nodes"];

pub(crate) fn read_pipeline(
    text: &str,
    source: &str,
    diags: &mut Diagnostics,
) -> Result<Vec<(u64, PlannedNode)>, InputError> {
    // An empty file is an empty pipeline: the reference catches pandas'
    // EmptyDataError and goes on without one.
    let Some(table) = Table::parse(text, source, diags)? else {
        return Ok(Vec::new());
    };
    let named = match (table.has_column("node_id"), table.has_column("no_nodes")) {
        (true, false) => true,
        (false, true) => false,
        (true, true) => {
            return Err(InputError::new(
                source,
                "both `node_id` (2025 format: one node per row) and `no_nodes` (2023/2024 format: \
                 `no_nodes` nodes per row) are present; keep the one of your format",
            )
            .at_line(table.header_line()))
        }
        (false, false) => {
            return Err(InputError::new(
                source,
                "missing column `node_id` (2025 format) or `no_nodes` (2023/2024 format)",
            )
            .at_line(table.header_line())
            .field("node_id"))
        }
    };
    let node_id = if named { Some(table.require_column("node_id")?) } else { None };
    let no_nodes = if named { None } else { Some(table.require_column("no_nodes")?) };
    let provider = table.require_column("node_provider")?;
    let data_center = table.require_column("data_center")?;
    let dc_provider = table.require_column("data_center_provider")?;
    let country = table.require_column("country")?;
    let is_sev = table.require_column("is_sev")?;
    let sev_column = table.bool_column(&is_sev)?;

    let mut nodes = Vec::new();
    let mut first_line_of_id: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        let id = match &node_id {
            Some(column) => Some(table.text(row, column, diags)?),
            None => None,
        };
        let sev_text = table.raw(row, &is_sev);
        let node = PlannedNode {
            node_id: id,
            node_provider: table.text(row, &provider, diags)?,
            data_center: table.text(row, &data_center, diags)?,
            data_center_provider: table.text(row, &dc_provider, diags)?,
            country: table.text(row, &country, diags)?,
            is_sev: sev_column.truth(sev_text),
        };
        check_country(diags, source, Some(row.line), "country", &node.country);
        warn_sev_reading(diags, source, row.line, &is_sev, sev_column, sev_text);
        let copies = match &no_nodes {
            Some(column) => table.integer_in(row, column, 0, MAX_PLANNED_NODES)?,
            None => 1,
        };
        if let Some(id) = &node.node_id {
            match first_line_of_id.get(id) {
                Some(first) => diags.warn(
                    source,
                    Some(row.line),
                    Some("node_id"),
                    format!("node `{id}` is listed again (first on line {first}); each row counts as a node"),
                ),
                None => {
                    first_line_of_id.insert(id.clone(), row.line);
                }
            }
        }
        if nodes.len() as u64 + u64::from(copies) > u64::from(MAX_PLANNED_NODES) {
            return Err(InputError::new(
                source,
                format!("the pipeline expands to more than {MAX_PLANNED_NODES} nodes"),
            )
            .at_line(row.line)
            .field("no_nodes"));
        }
        for _ in 0..copies {
            nodes.push((row.line, node.clone()));
        }
    }
    Ok(nodes)
}

/// Tells how an `is_sev` value was taken when that is not what it says: any
/// value that is not a boolean literal, and a `False` that sits in a column
/// pandas reads as text (where it is true).
fn warn_sev_reading(diags: &mut Diagnostics, source: &str, line: u64, column: &Column, kind: BoolColumn, value: &str) {
    let literal = pandas_bool_literal(value);
    let why = match (kind, literal) {
        (BoolColumn::Literals, _) | (BoolColumn::Text, Some(true)) => return,
        (BoolColumn::Integers | BoolColumn::Floats, _) => {
            "pandas reads the column as numbers and the reference tests them for zero"
        }
        (BoolColumn::Text, Some(false)) => {
            "other values of the column are not boolean literals, so pandas reads the whole column as text, \
             and the reference counts any non-empty text as true"
        }
        (BoolColumn::Text, None) => {
            "it is not exactly True, TRUE, true, False, FALSE or false, so pandas reads the whole column as text, \
             and the reference counts any non-empty text as true"
        }
    };
    let taken = if kind.truth(value) { "SEV-capable" } else { "not SEV-capable" };
    diags.warn(source, Some(line), Some(&column.name), format!("`{value}` is taken as {taken}: {why}"));
}

/// Reads a candidates CSV with the header
/// `node_provider,data_center,data_center_provider,country,is_sev,no_nodes`
/// (columns in any order). An empty file or a header alone means no candidates.
pub fn parse_candidates_csv(text: &str, source: &str) -> Result<Vec<CandidateRow>, InputError> {
    let mut ignored = Diagnostics::default();
    let Some(table) = Table::parse(text, source, &mut ignored)? else {
        return Ok(Vec::new());
    };
    if let Some(extra) = table.columns().iter().find(|c| !CANDIDATE_COLUMNS.contains(&c.as_str())) {
        return Err(InputError::new(
            source,
            format!("unknown column `{extra}`; the columns are {}", CANDIDATE_COLUMNS.join(",")),
        )
        .at_line(table.header_line())
        .field(extra.as_str()));
    }
    let mut columns = Vec::with_capacity(CANDIDATE_COLUMNS.len());
    for name in CANDIDATE_COLUMNS {
        columns.push(table.require_column(name)?);
    }
    let mut rows = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let fields: Vec<&str> = columns.iter().map(|c| table.raw(row, c)).collect();
        let candidate = candidate_from_fields(&fields, source, Some(row.line))?;
        rows.push(candidate);
    }
    Ok(rows)
}

/// Reads one `--candidate` argument: `provider,dc,dc provider,CC,true,N`,
/// split as one CSV line, so a name with a comma can be quoted
/// (`"Privoxy Solutions, LLC",dr1,FiberState,US,true,1`).
pub fn parse_candidate_arg(arg: &str) -> Result<CandidateRow, InputError> {
    const SOURCE: &str = "--candidate";
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::None).from_reader(arg.as_bytes());
    let mut records = reader.records();
    let record = match records.next() {
        Some(Ok(record)) => record,
        Some(Err(e)) => return Err(InputError::new(SOURCE, format!("malformed value: {e}"))),
        None => return Err(InputError::new(SOURCE, "empty value; expected provider,dc,dc provider,CC,true,N")),
    };
    if records.next().is_some() {
        return Err(InputError::new(SOURCE, "one candidate per argument: the value spans several lines"));
    }
    if record.len() != CANDIDATE_COLUMNS.len() {
        return Err(InputError::new(
            SOURCE,
            format!(
                "expected {} comma-separated fields ({}), found {}; quote a name that contains a comma",
                CANDIDATE_COLUMNS.len(),
                CANDIDATE_COLUMNS.join(","),
                record.len()
            ),
        ));
    }
    let fields: Vec<&str> = record.iter().collect();
    candidate_from_fields(&fields, SOURCE, None)
}

/// Builds a candidate from its six fields, in [`CANDIDATE_COLUMNS`] order.
fn candidate_from_fields(fields: &[&str], source: &str, line: Option<u64>) -> Result<CandidateRow, InputError> {
    let error = |field: &str, reason: String| {
        let e = InputError::new(source, reason).field(field);
        match line {
            Some(line) => e.at_line(line),
            None => e,
        }
    };
    let text = |i: usize| -> Result<String, InputError> {
        let (name, value) = (CANDIDATE_COLUMNS[i], fields[i]);
        if value.is_empty() {
            return Err(error(name, "empty value".to_string()));
        }
        if value.trim() != value {
            return Err(error(
                name,
                format!(
                    "`{value}` has surrounding whitespace; fields are taken verbatim, so it would differ from \
                     `{}`: remove the spaces (around the commas)",
                    value.trim()
                ),
            ));
        }
        Ok(value.to_string())
    };
    let node_provider = text(0)?;
    let data_center = text(1)?;
    let data_center_provider = text(2)?;
    let country = text(3)?;
    let sev_text = fields[4].trim();
    let is_sev = match sev_text.to_ascii_lowercase().as_str() {
        "true" | "1" => true,
        "false" | "0" => false,
        _ => return Err(error("is_sev", format!("`{}` is not true, false, 1 or 0", fields[4]))),
    };
    let count_text = fields[5].trim();
    let no_nodes = match count_text.parse::<u64>() {
        Ok(n) if (1..=u64::from(MAX_CANDIDATE_NODES)).contains(&n) => n as u32,
        Ok(n) => {
            return Err(error(
                "no_nodes",
                format!("{n} is out of range: a candidate row has 1 to {MAX_CANDIDATE_NODES} nodes"),
            ))
        }
        Err(_) if !count_text.is_empty() && count_text.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(error(
                "no_nodes",
                format!("{count_text} is too large: a candidate row has 1 to {MAX_CANDIDATE_NODES} nodes"),
            ))
        }
        Err(_) => return Err(error("no_nodes", format!("`{}` is not a whole number of nodes (1 or more)", fields[5]))),
    };
    Ok(CandidateRow { node_provider, data_center, data_center_provider, country, is_sev, no_nodes })
}
