//! `infra init` through the binary: the files of a new project and what they
//! say, and the refusal of a non-empty directory. Building the new project
//! is `scripts/test.sh`'s step "init (new project)".

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::path::Path;
use std::process::{Command, Output};

fn init(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infra"))
        .arg("init")
        .args(args)
        .output()
        .expect("infra runs")
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

const CHECKOUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

#[test]
fn from_source_depends_on_the_checkout_by_path_and_copies_its_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my-shop");
    let out = init(&[dir.to_str().unwrap(), "--from-source", CHECKOUT]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "Cargo.toml",
        "Cargo.lock",
        "src/main.rs",
        "src/lib.rs",
        "tests/stack.rs",
        "functions/writer/Cargo.toml",
        "functions/writer/src/main.rs",
        "README.md",
        ".github/workflows/ci.yml",
        ".gitignore",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let checkout = Path::new(CHECKOUT).canonicalize().unwrap();
    let manifest = read(&dir, "Cargo.toml");
    assert!(manifest.contains("name = \"my-shop\""), "{manifest}");
    let toolkit = format!(
        "rcdk-toolkit = {{ path = \"{}\" }}",
        checkout.join("infra/toolkit").display()
    );
    assert!(manifest.contains(&toolkit), "{manifest}");
    // The checkout's [patch.crates-io], if it has one, comes along with its lock.
    let patched = std::fs::read_to_string(checkout.join("Cargo.toml"))
        .unwrap()
        .contains("[patch.crates-io]");
    assert_eq!(
        manifest.contains("[patch.crates-io]"),
        patched,
        "{manifest}"
    );
    assert!(!manifest.contains("{{"), "no placeholder left: {manifest}");
    assert_eq!(
        read(&dir, "Cargo.lock"),
        std::fs::read_to_string(checkout.join("Cargo.lock")).unwrap()
    );
    assert!(read(&dir, "src/lib.rs").contains("pub const STACK: &str = \"MyShop\";"));
    assert!(read(&dir, "src/main.rs").contains("rcdk_toolkit::Toolkit::new"));
    let readme = read(&dir, "README.md");
    let synth = readme
        .find("cargo run -- synth")
        .expect("synth in the README");
    let test = readme.find("cargo test").expect("test in the README");
    assert!(synth < test, "synth comes first");
    for command in ["build", "deploy", "local up"] {
        assert!(
            readme.contains(&format!("cargo run -- {command}")),
            "{command}"
        );
    }
    let ignored = read(&dir, ".gitignore");
    assert!(ignored.contains("/target/") && ignored.contains("/cdk.out/"));
}

#[test]
fn by_default_it_depends_on_published_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    let out = init(&[dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = read(&dir, "Cargo.toml");
    assert!(manifest.contains("rcdk-toolkit = \"0.1\""), "{manifest}");
    assert!(
        manifest.contains("constructs = { package = \"rcdk-constructs\", version = \"0.1\" }"),
        "{manifest}"
    );
    assert!(!manifest.contains("path ="), "{manifest}");
    assert!(!dir.join("Cargo.lock").exists());
}

#[test]
fn a_non_empty_directory_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let out = init(&[tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not empty; give a new or empty directory"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "nothing written");
}

#[test]
fn a_folder_that_is_not_a_checkout_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("x");
    let out = init(&[
        dir.to_str().unwrap(),
        "--from-source",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a checkout of the toolkit"), "{err}");
    assert!(!dir.exists(), "nothing written");
}
