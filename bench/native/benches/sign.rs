//! `cargo bench --manifest-path bench/native/Cargo.toml`: the same measurement as `cargo run
//! --release` (see lib.rs), printed as one JSON line.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("{}", acs_identity_bench_native::run(&args));
}
