//! Errors for bad input: every one names where the problem is (file, line,
//! field or argument) and why, so a user can fix it without reading code.

use std::fmt;

/// Where a bad value was found.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// The file (as the user named it), or the argument / request field.
    pub source: String,
    /// 1-based line number in the file, when there is one.
    pub line: Option<u64>,
    /// The column, key or field, when there is one.
    pub field: Option<String>,
}

/// A caller's mistake in the inputs. Nothing is changed when one is returned.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputError {
    pub location: Location,
    pub reason: String,
}

impl InputError {
    pub fn new(source: impl Into<String>, reason: impl Into<String>) -> Self {
        InputError { location: Location { source: source.into(), line: None, field: None }, reason: reason.into() }
    }

    pub fn at_line(mut self, line: u64) -> Self {
        self.location.line = Some(line);
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.location.field = Some(field.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location.source)?;
        if let Some(line) = self.location.line {
            write!(f, ", line {line}")?;
        }
        if let Some(field) = &self.location.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for InputError {}
