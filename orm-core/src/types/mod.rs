//! Conversions for optional type families, one file each.

pub mod chrono;
#[cfg(feature = "decimal")]
pub mod decimal;
#[cfg(feature = "json")]
pub mod json;
#[cfg(feature = "time")]
pub mod time;
#[cfg(feature = "uuid")]
pub mod uuid;
