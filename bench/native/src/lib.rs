//! Times `acs_identity::core::signing::sign_request` natively and returns one JSON line:
//! `{"variants":[{"name":..,"batch":N,"nsPerOp":[..samples..]}]}`. Run by `src/main.rs`
//! (`cargo run --release`, what `npm run bench` does) and by `benches/sign.rs` (`cargo bench`).
//!
//! The request is the one of the JavaScript benchmark (bench/lib/signing-cases.mjs: the same key,
//! URL and body, so the same SHA-256 blocks). Variants:
//! * `call`: what one `signRequest({ method, url, body, accessKey })` call does in Rust, without
//!   the JavaScript boundary: parse the URL and sign, with the decoded key reused from the
//!   previous call, as the package's fast path reuses it.
//! * `sign`: `sign_request` alone, with the URL parsed once too.

use std::hint::black_box;
use std::time::{Duration, Instant};

use acs_identity::core::signing::{sign_request, AccessKey};
use acs_identity::core::url::Url;

// The same as bench/lib/signing-cases.mjs (bench/signing.mjs checks that they are).
const KEY: &str = "c2VjcmV0LWtleS1mb3ItYmVuY2htYXJrcy0wMTIzNDU2Nzg5YWJjZGVm";
const URL: &str = "https://bench.communication.azure.com/identities?api-version=2025-06-30";
const BODY: &str = r#"{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}"#;
const NOW_MS: i64 = 1_764_000_000_000;

/// Runs `f` in batches of about `ms` each; returns ns per operation for each sample. The batch is
/// sized from the fastest of a few short runs, so a moment of load while calibrating does not
/// shrink it.
fn measure(f: &dyn Fn() -> usize, samples: usize, ms: u64) -> (Vec<f64>, u64) {
    let mut best = f64::INFINITY;
    let mut n: u64 = 64;
    let end = Instant::now() + Duration::from_millis(200);
    while Instant::now() < end {
        let t = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        let dt = t.elapsed().as_nanos() as f64;
        best = best.min(dt / n as f64);
        if dt < 2e6 {
            n *= 2;
        }
    }
    let batch = ((ms as f64 * 1e6) / best).max(1.0) as u64;
    let mut out = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        for _ in 0..batch {
            black_box(f());
        }
        out.push(t.elapsed().as_nanos() as f64 / batch as f64);
    }
    (out, batch)
}

/// Measures both variants; `args` may hold `--samples N` and `--ms M` (others are ignored, such
/// as the `--bench` that `cargo bench` passes).
pub fn run(args: &[String]) -> String {
    let arg = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let samples = arg("--samples", 15) as usize;
    let ms = arg("--ms", 100);

    // The public vector first: a wrong build must not produce numbers.
    let key = AccessKey::from_base64("pw==").unwrap();
    let url = Url::parse("https://example.com/testPath?testQuery=test").unwrap();
    let h = sign_request(&key, "GET", &url, b"", 1_649_873_352_000).unwrap();
    assert!(h
        .authorization
        .ends_with("Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU="));

    let key = AccessKey::from_base64(KEY).unwrap();
    let url = Url::parse(URL).unwrap();
    let sign = |url: &Url| {
        let h = sign_request(
            &key,
            black_box("POST"),
            url,
            black_box(BODY.as_bytes()),
            NOW_MS,
        )
        .unwrap();
        h.authorization.len()
    };
    let call_once = || sign(&Url::parse(black_box(URL)).unwrap());
    let sign_only = || sign(&url);
    let mut parts = Vec::new();
    for (name, f) in [
        ("call", &call_once as &dyn Fn() -> usize),
        ("sign", &sign_only),
    ] {
        let (ns, batch) = measure(f, samples, ms);
        let list: Vec<String> = ns.iter().map(|v| format!("{v:.2}")).collect();
        parts.push(format!(
            r#"{{"name":"{name}","batch":{batch},"nsPerOp":[{}]}}"#,
            list.join(",")
        ));
    }
    format!(r#"{{"variants":[{}]}}"#, parts.join(","))
}
