//! The pure-Rust core. Nothing here knows about JavaScript.

pub mod error;

pub use error::{Error, ErrorKind, Result};
pub mod access_token;
pub mod connection_string;
pub mod date;
pub mod endpoint;
pub mod identifiers;
pub mod operations;
pub mod retry;
pub mod signing;
pub mod url;
