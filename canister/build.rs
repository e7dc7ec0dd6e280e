//! Tells the tests what this checkout has, so that a test that needs what is
//! absent shows up as ignored in cargo's own summary, with the reason:
//! `shared_data` when `../shared/data` (the reference snapshots, beside the
//! checkout in CI) is a folder, `canister_wasm` when scripts/build.sh has
//! written `target/canister/topology.wasm`. CI has both and fails if any test
//! is ignored for either reason.
//!
//! Only this file is watched: cargo re-runs a script whose watched path is
//! missing on every build, and rebuilds the crate each time. After adding the
//! folder or building the wasm for the first time, `touch canister/build.rs` (a
//! fresh clone needs nothing) makes the tests see it; a test whose input has
//! gone since still says so and is skipped at run time.

use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&root);
    detect("shared_data", &root.join("../../shared/data"), true);
    detect("canister_wasm", &root.join("../target/canister/topology.wasm"), false);
    println!("cargo::rerun-if-changed=build.rs");
}

fn detect(cfg: &str, path: &Path, folder: bool) {
    println!("cargo::rustc-check-cfg=cfg({cfg})");
    let present = if folder { path.is_dir() } else { path.is_file() };
    if present {
        println!("cargo::rustc-cfg={cfg}");
    }
}
