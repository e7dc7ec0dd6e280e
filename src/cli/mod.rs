//! The command line's commands that have grown past a few lines, one module each.

pub mod placements;
pub mod plan;
pub mod switches;
