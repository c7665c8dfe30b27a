//! acs-identity: an Azure Communication Services Identity client.
//!
//! * [`core`] is plain Rust (no wasm-bindgen, no web-sys): connection strings, request signing,
//!   models, validation, JWT decoding, identifiers and the token endpoint's decisions. It is tested
//!   natively with `cargo test`.
//! * `wasm` (only on `wasm32`) is the thin JavaScript boundary: `#[wasm_bindgen]` exports, the
//!   `fetch` transport bound to the global `fetch`, and error conversion.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod wasm;
