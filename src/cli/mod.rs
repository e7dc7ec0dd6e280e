//! The command line's commands, one module each; `main.rs` is the command tree and its dispatch.

pub mod curve_text;
pub mod defaults;
pub mod evaluate;
pub mod export;
pub mod fetch;
pub mod generate;
pub mod help;
pub mod load;
pub mod pdf;
pub mod pipe;
pub mod placements;
pub mod plan;
pub mod proposal;
pub mod shortfall_text;
pub mod switches;
pub mod verify;
pub mod verify_inputs;

/// Print one JSON object (pretty, canonical field order).
pub(crate) fn print_json<T: serde::Serialize>(value: &T) {
    println!("{}", serde_json::to_string_pretty(value).expect("results serialise"));
}
