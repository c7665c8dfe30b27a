//! The pure-Rust core. Nothing here knows about JavaScript.

pub mod error;

pub use error::{Error, ErrorKind, Result};
pub mod date;
