//! The command line's commands that have grown past a few lines, one module each.

pub mod curve_text;
pub mod defaults;
pub mod help;
pub mod pipe;
pub mod placements;
pub mod plan;
pub mod switches;
pub mod verify;
pub mod verify_inputs;
