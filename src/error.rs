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
    /// Where the input was read: file or argument, line and field.
    pub location: Location,
    /// What is wrong with it, and what to do.
    pub reason: String,
}

impl InputError {
    /// An error in `source` (a file, an argument, a field), with the reason.
    pub fn new(source: impl Into<String>, reason: impl Into<String>) -> Self {
        InputError {
            location: Location { source: source.into(), line: None, field: None },
            reason: short(reason.into()),
        }
    }

    /// The same error at line `line` of its source.
    pub fn at_line(mut self, line: u64) -> Self {
        self.location.line = Some(line);
        self
    }

    /// The same error in field `field` of its source.
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

/// The longest reason an error quotes, in characters.
pub const MAX_REASON_CHARS: usize = 800;

/// A reason cut to [`MAX_REASON_CHARS`]: a decoder's message may quote the
/// whole input (Candid's "Cannot parse header" prints every byte in hex), and
/// no error prints a whole file.
fn short(reason: String) -> String {
    match reason.char_indices().nth(MAX_REASON_CHARS) {
        None => reason,
        Some((cut, _)) => {
            let rest = reason[cut..].chars().count();
            format!("{}... ({rest} more characters)", &reason[..cut])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_reason_is_cut_on_a_character_boundary() {
        let e = InputError::new("f", "é".repeat(400_000));
        assert_eq!(e.reason.chars().count(), MAX_REASON_CHARS + "... (399200 more characters)".len());
        assert!(e.reason.ends_with("... (399200 more characters)"));
        assert_eq!(InputError::new("f", "short").reason, "short");
    }
}
