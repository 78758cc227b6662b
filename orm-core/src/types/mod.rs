//! Conversions for optional type families, one file each.

pub mod chrono;
