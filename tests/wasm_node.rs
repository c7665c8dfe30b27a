//! wasm-bindgen tests of the JS boundary, run in Node:
//! `cargo test --target wasm32-unknown-unknown --test wasm_node`.
#![cfg(target_arch = "wasm32")]

include!("wasm/common.rs");
