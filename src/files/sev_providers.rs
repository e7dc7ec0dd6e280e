//! The list of SEV-capable node providers (`sev_providers_file`): a CSV with a
//! `provider_name` column, one provider name per row, compared exactly with the
//! nodes' provider names (as the reference compares them).

use super::csv_table::Table;
use super::diagnostics::Diagnostics;
use crate::error::InputError;

pub(crate) fn read_sev_providers(
    text: &str,
    source: &str,
    diags: &mut Diagnostics,
) -> Result<Vec<(u64, String)>, InputError> {
    let Some(table) = Table::parse(text, source, diags)? else {
        return Err(InputError::new(
            source,
            "the file is empty; expected the header `provider_name` and one name per line",
        ));
    };
    let name = table.require_column("provider_name")?;
    let mut names: Vec<(u64, String)> = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let value = table.text(row, &name, diags)?;
        if let Some((first, _)) = names.iter().find(|(_, n)| *n == value) {
            diags.warn(
                source,
                Some(row.line),
                Some("provider_name"),
                format!("provider `{value}` is listed again (first on line {first})"),
            );
        }
        names.push((row.line, value));
    }
    Ok(names)
}
