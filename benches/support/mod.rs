//! What every benchmark shares.

/// True for a real run (`cargo bench`); false under `cargo test --benches`, criterion's test
/// mode, where each benchmark shrinks to a quick check. Same rule as criterion: without
/// `--bench` (or with `--test`/`--list`) it only tests.
pub fn full_run() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    has("--bench") && !has("--test") && !has("--list")
}

/// True when criterion was only asked to list the benchmarks (`--list`): run nothing.
#[allow(dead_code)] // not every bench has work outside criterion
pub fn listing_only() -> bool {
    std::env::args().any(|a| a == "--list")
}

#[allow(dead_code)] // only the benches that analyse long audio use it
pub mod audio;
