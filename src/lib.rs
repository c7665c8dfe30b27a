//! acs-identity: an Azure Communication Services Identity client.
//!
//! * [`core`] is plain Rust (no wasm-bindgen, no web-sys): connection strings, request signing,
//!   models, validation, JWT decoding, identifiers and the token endpoint's decisions. It is tested
//!   natively with `cargo test`.
//! * `wasm` (only on `wasm32`) is the thin JavaScript boundary: `#[wasm_bindgen]` exports, the
//!   `fetch` transport bound to the global `fetch`, and error conversion.

#![allow(clippy::result_large_err)] // `Error` is large but only built on failure paths

pub mod core;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;
