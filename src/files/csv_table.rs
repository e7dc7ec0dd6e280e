//! A CSV reader that sees what `pandas.read_csv` (default arguments) sees, so
//! that every format built on it reads the reference's files the way the
//! reference does: fields are verbatim (no trimming; `"x", y` gives `x` and
//! ` y`), a UTF-8 byte-order mark is dropped, blank and whitespace-only lines are
//! skipped, the first remaining line is the header, and a field that pandas
//! would read as missing (empty, or one of its NA words such as `NA` or `null`)
//! is reported instead of being reproduced as NaN. Numbers may carry
//! surrounding whitespace, as pandas accepts. Boolean columns follow pandas'
//! column-wide type inference (see [`BoolColumn`]).

use super::diagnostics::{check_whitespace, Diagnostics};
use crate::error::InputError;

/// The strings that pandas 1.5 (the reference's pinned version) reads as a
/// missing value when they make up a whole field, quoted or not.
const PANDAS_NA_VALUES: [&str; 18] = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA",
    "NULL", "NaN", "n/a", "nan", "null",
];

/// pandas 2.0 added `None` to its NA words; pandas 1.5 keeps it as text.
const PANDAS_2_NA_VALUE: &str = "None";

/// The boolean literals of pandas' type inference, and the value each stands for.
const PANDAS_BOOL_LITERALS: [(&str, bool); 6] =
    [("True", true), ("TRUE", true), ("true", true), ("False", false), ("FALSE", false), ("false", false)];

pub(crate) fn pandas_bool_literal(value: &str) -> Option<bool> {
    PANDAS_BOOL_LITERALS.iter().find(|(literal, _)| *literal == value).map(|&(_, b)| b)
}

/// One data row with the line it starts on (1-based).
#[derive(Debug)]
pub(crate) struct Row {
    pub line: u64,
    fields: Vec<String>,
}

/// A parsed CSV file: header and rows, each row with as many fields as the header.
#[derive(Debug)]
pub(crate) struct Table<'s> {
    pub source: &'s str,
    header_line: u64,
    header: Vec<String>,
    pub rows: Vec<Row>,
}

/// Line numbers from byte offsets, counting `\r\n`, `\n` and a lone `\r` as
/// line breaks (the csv crate's own count is off for `\r\n` files, and several
/// of the reference's files use them).
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    fn line_of(&self, byte: u64) -> u64 {
        let byte = usize::try_from(byte).unwrap_or(usize::MAX);
        self.starts.partition_point(|&start| start <= byte) as u64
    }

    /// The line a record starts on: the csv crate reports the position just
    /// after the previous record, before any blank lines it skipped.
    fn line_of_record(&self, text: &str, byte: u64) -> u64 {
        let start = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
        let skipped = text.as_bytes()[start..].iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
        self.line_of((start + skipped) as u64)
    }
}

/// The separator a one-column header splits on instead of commas, named.
fn separator_of(header: &[String]) -> Option<&'static str> {
    let [only] = header else { return None };
    [(';', "`;`"), ('\t', "tabs"), ('|', "`|`")].into_iter().find(|(c, _)| only.contains(*c)).map(|(_, name)| name)
}

impl<'s> Table<'s> {
    /// Parses `text`; `None` when it has no header at all (pandas raises
    /// `EmptyDataError` there, which some readers of the reference accept).
    pub(crate) fn parse(text: &str, source: &'s str, diags: &mut Diagnostics) -> Result<Option<Self>, InputError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines = LineIndex::new(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::None)
            .from_reader(text.as_bytes());
        let mut header: Option<(u64, Vec<String>)> = None;
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let error = InputError::new(source, format!("malformed CSV: {e}"));
                match e.position() {
                    Some(position) => error.at_line(lines.line_of_record(text, position.byte())),
                    None => error,
                }
            })?;
            let line = record.position().map_or(0, |p| lines.line_of_record(text, p.byte()));
            // pandas skips lines made only of whitespace; the csv crate returns them
            // as one field.
            if record.len() == 1 && record[0].trim().is_empty() && !record[0].is_empty() {
                continue;
            }
            let fields: Vec<String> = record.iter().map(str::to_string).collect();
            match &header {
                None => header = Some((line, fields)),
                Some((_, names)) => {
                    if fields.len() != names.len() {
                        let expected = match names.len() {
                            1 => "1 field".to_string(),
                            n => format!("{n} fields"),
                        };
                        // A `;`- or tab-separated file reads as one column, and its
                        // rows split on the commas inside fields (a region's).
                        let hint = match separator_of(names) {
                            Some(found) => format!(
                                " (the header splits on {found}, not on commas: the file must be comma-separated, \
                                 as the dashboard exports it)"
                            ),
                            None => String::new(),
                        };
                        return Err(InputError::new(
                            source,
                            format!("expected {expected}, as in the header, but found {}{hint}", fields.len()),
                        )
                        .at_line(line));
                    }
                    rows.push(Row { line, fields });
                }
            }
        }
        let Some((header_line, header)) = header else {
            return Ok(None);
        };
        for (i, name) in header.iter().enumerate() {
            if header[..i].contains(name) {
                diags.warn(
                    source,
                    Some(header_line),
                    Some(name),
                    format!(
                        "column `{name}` appears more than once; only the first is read (pandas renames the others)"
                    ),
                );
            }
        }
        Ok(Some(Table { source, header_line, header, rows }))
    }

    pub(crate) fn has_column(&self, name: &str) -> bool {
        self.header.iter().any(|h| h == name)
    }

    pub(crate) fn columns(&self) -> &[String] {
        &self.header
    }

    pub(crate) fn header_line(&self) -> u64 {
        self.header_line
    }

    /// The index of a column the format requires. Header names are compared
    /// exactly, as pandas does; a near miss is pointed out.
    pub(crate) fn require_column(&self, name: &str) -> Result<Column, InputError> {
        if let Some(index) = self.header.iter().position(|h| h == name) {
            return Ok(Column { index, name: name.to_string() });
        }
        let hint = match self.header.iter().find(|h| h.trim().eq_ignore_ascii_case(name)) {
            Some(near) => {
                format!(" (there is a column `{near}`: column names are compared exactly)")
            }
            None => match self.other_separator() {
                Some(found) => format!(
                    " (the header splits on {found}, not on commas: the file must be comma-separated, \
                     as the dashboard exports it)"
                ),
                None => String::new(),
            },
        };
        Err(InputError::new(self.source, format!("missing column `{name}`{hint}"))
            .at_line(self.header_line)
            .field(name))
    }

    /// The separator a one-column header splits on instead of commas, named.
    fn other_separator(&self) -> Option<&'static str> {
        separator_of(&self.header)
    }

    pub(crate) fn optional_column(&self, name: &str) -> Option<Column> {
        self.header.iter().position(|h| h == name).map(|index| Column { index, name: name.to_string() })
    }

    pub(crate) fn raw<'r>(&self, row: &'r Row, column: &Column) -> &'r str {
        // Every row has exactly as many fields as the header (checked in `parse`).
        row.fields.get(column.index).map_or("", String::as_str)
    }

    fn error(&self, row: &Row, column: &Column, reason: impl Into<String>) -> InputError {
        InputError::new(self.source, reason).at_line(row.line).field(&column.name)
    }

    /// A text field that must be present: taken verbatim, with a warning for
    /// surrounding whitespace.
    pub(crate) fn text(&self, row: &Row, column: &Column, diags: &mut Diagnostics) -> Result<String, InputError> {
        let value = self.raw(row, column);
        if let Some(reason) = missing_reason(value) {
            return Err(self.error(row, column, reason));
        }
        self.check_text(row, column, value, diags);
        Ok(value.to_string())
    }

    /// A text field that may be absent: empty or an NA word gives `None`.
    pub(crate) fn optional_text(&self, row: &Row, column: &Column, diags: &mut Diagnostics) -> Option<String> {
        let value = self.raw(row, column);
        if missing_reason(value).is_some() {
            return None;
        }
        self.check_text(row, column, value, diags);
        Some(value.to_string())
    }

    fn check_text(&self, row: &Row, column: &Column, value: &str, diags: &mut Diagnostics) {
        check_whitespace(diags, self.source, Some(row.line), &column.name, value);
        if value == PANDAS_2_NA_VALUE {
            diags.warn(
                self.source,
                Some(row.line),
                Some(&column.name),
                "`None` is read as text, as pandas 1.5 (the reference's version) does; pandas 2 and later \
                 would read it as a missing value",
            );
        }
    }

    /// A whole number; surrounding whitespace is allowed, as pandas allows it.
    pub(crate) fn integer(&self, row: &Row, column: &Column) -> Result<i64, InputError> {
        let value = self.raw(row, column);
        if let Some(reason) = missing_reason(value) {
            return Err(self.error(row, column, reason));
        }
        let digits = value.trim().trim_start_matches(['-', '+']);
        value.trim().parse::<i64>().map_err(|_| {
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                self.error(row, column, format!("{} is too large", value.trim()))
            } else {
                self.error(row, column, format!("`{value}` is not a whole number"))
            }
        })
    }

    /// A whole number within `min..=max`, as a `u32`.
    pub(crate) fn integer_in(&self, row: &Row, column: &Column, min: u32, max: u32) -> Result<u32, InputError> {
        let n = self.integer(row, column)?;
        if n < i64::from(min) {
            return Err(self.error(row, column, format!("{n} is below the minimum, {min}")));
        }
        u32::try_from(n)
            .ok()
            .filter(|&n| n <= max)
            .ok_or_else(|| self.error(row, column, format!("{n} is above the maximum, {max}")))
    }

    /// Reads a boolean column the way pandas types it (see [`BoolColumn`]).
    /// A missing value is an error: pandas would make it NaN, which Python
    /// counts as true.
    pub(crate) fn bool_column(&self, column: &Column) -> Result<BoolColumn, InputError> {
        for row in &self.rows {
            if let Some(reason) = missing_reason(self.raw(row, column)) {
                return Err(self.error(row, column, reason));
            }
        }
        let values = || self.rows.iter().map(|row| self.raw(row, column));
        Ok(if values().all(|v| pandas_bool_literal(v).is_some()) {
            BoolColumn::Literals
        } else if values().all(|v| v.trim().parse::<i64>().is_ok()) {
            BoolColumn::Integers
        } else if values().all(|v| parse_float(v).is_some()) {
            BoolColumn::Floats
        } else {
            BoolColumn::Text
        })
    }
}

/// A column of the header, by position, with its name for messages.
#[derive(Clone, Debug)]
pub(crate) struct Column {
    index: usize,
    pub name: String,
}

/// How pandas types a column that is meant to hold booleans: only a column in
/// which every value is one of `True TRUE true False FALSE false` is boolean;
/// a column of whole numbers is numeric; anything else stays text, and Python's
/// truthiness then makes every non-empty text true, even `False` or ` True`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BoolColumn {
    Literals,
    Integers,
    Floats,
    Text,
}

impl BoolColumn {
    /// The truth value the reference gives `value`, a field of this column.
    pub(crate) fn truth(self, value: &str) -> bool {
        match self {
            BoolColumn::Literals => pandas_bool_literal(value).unwrap_or(true),
            BoolColumn::Integers => value.trim().parse::<i64>() != Ok(0),
            BoolColumn::Floats => parse_float(value) != Some(0.0),
            BoolColumn::Text => !value.is_empty(),
        }
    }
}

/// A decimal number as pandas' float parser reads one (it must contain a digit,
/// so words such as `inf` that Rust would accept are left to the text case).
fn parse_float(value: &str) -> Option<f64> {
    let value = value.trim();
    if !value.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<f64>().ok()
}

/// Why pandas would read `value` as missing, if it would.
pub(crate) fn missing_reason(value: &str) -> Option<String> {
    if value.is_empty() {
        Some("empty value; pandas would read it as missing (NaN), which is not reproduced".to_string())
    } else if PANDAS_NA_VALUES.contains(&value) {
        Some(format!(
            "`{value}` is read by pandas as a missing value (NaN), which is not reproduced; the reference \
             would not see the text `{value}`"
        ))
    } else {
        None
    }
}
