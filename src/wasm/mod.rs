//! The JavaScript boundary. Everything here converts between JS values and the pure core, and talks
//! to the host through the *global* `fetch`, `setTimeout` and `AbortController` (never `window`, which
//! workers, Deno and Node do not have).

pub mod error;
pub mod sign;

pub use error::set_error_class;
pub mod client;
pub mod endpoint;
mod host;
pub mod token;
