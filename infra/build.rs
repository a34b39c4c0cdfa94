//! Links the `infra` binary with packed relative relocations (`-z pack-relative-relocs`,
//! DT_RELR) on Linux: its 23,000 relative relocations (vtables and string tables of the
//! toolkit and the AWS SDK) then take about 5 KB instead of 565 KB, which the dynamic loader
//! reads and applies at every start. Every command starts faster; it matters most for
//! `infra synth`, which takes a few milliseconds in all. Needs GNU ld 2.38 or lld 15 and
//! glibc 2.36 (Debian 12, Ubuntu 22.04 and later).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
