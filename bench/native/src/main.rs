//! `cargo run --release --manifest-path bench/native/Cargo.toml -- [--samples N] [--ms M]`: the
//! native signing benchmark (see lib.rs); prints one JSON line.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("{}", acs_identity_bench_native::run(&args));
}
