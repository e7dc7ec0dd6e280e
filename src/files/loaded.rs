//! What reading a configuration gives: its inputs, the files it named and
//! the mode it asks for. Below the configuration reader, which makes them,
//! and the module's facade, which hands them out.

use crate::inputs::Inputs;
use serde::{Deserialize, Serialize};

/// A configuration and everything it names, read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadedConfig {
    /// The inputs the configuration names.
    pub inputs: Inputs,
    /// The files read, in the order of [`FILE_KEYS`](super::FILE_KEYS).
    pub files: Vec<InputFile>,
    /// What the configuration asks for (`mode`): the ObjectiveValue or a membership plan.
    pub mode: Mode,
    /// Every default that was applied: a settings key left out (with the
    /// value it took), the rule set's special limits when no file is given.
    pub defaults: Vec<String>,
}

/// The reference's two modes (`mode` in its configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The ObjectiveValue: `topology evaluate`.
    MinimizeNewNodes,
    /// A membership plan: `topology plan`.
    MinimizeNodeSwaps,
}

/// One file a configuration named, as read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// The configuration key that named it (`nodes_file`, `topology_file`, ...).
    pub role: String,
    /// The path as written in the configuration.
    pub path: String,
    /// SHA-256 of the bytes read, in lowercase hexadecimal.
    pub sha256: String,
}
