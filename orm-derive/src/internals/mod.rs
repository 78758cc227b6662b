//! Parsing `#[db(...)]` attributes into a model of the struct, and checking
//! it, before any code is generated.

pub mod ast;
pub mod attr;
pub mod case;
pub mod check;
pub mod ctxt;
