//! The JavaScript boundary. Everything here converts between JS values and the pure core, and talks
//! to the host through the *global* `fetch`, `setTimeout` and `AbortController` (never `window`, which
//! workers, Deno and Node do not have).
//!
//! The Cargo features choose what a build exports, one `.wasm` per capability: `sign`
//! (`signRequest`, `parseConnectionString`), `client` (the client, `decodeAccessToken` and `sign`),
//! `endpoint` (`TokenEndpoint` and the client code it calls). Every build has `__setErrorClass`.

// A build with fewer than all features leaves some shared helpers unused.
#![cfg_attr(
    not(all(feature = "sign", feature = "client", feature = "endpoint")),
    allow(dead_code, unused_imports)
)]

pub mod error;
#[cfg(feature = "sign")]
pub mod sign;

pub use error::set_error_class;
#[cfg(any(feature = "client", feature = "endpoint"))]
pub mod client;
#[cfg(feature = "endpoint")]
pub mod endpoint;
#[cfg(any(feature = "client", feature = "endpoint"))]
mod host;
#[cfg(feature = "client")]
pub mod token;
