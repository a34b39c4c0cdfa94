//! `infra build` end to end with the real cargo-lambda: every asset zip holds
//! the binary of its own function, and `scripts/check-assets.py` agrees.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use constructs::Format;

/// The two functions built: small ones that share no crate but the libraries.
const FUNCTIONS: [&str; 2] = ["results-generator", "order-processor"];

fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// (package, crate directory, zip file name) of each of [`FUNCTIONS`], from
/// the app as `infra build` synthesizes it (no context).
fn expected_assets() -> Vec<(String, String, String)> {
    let app = infra::app::build(BTreeMap::new(), workspace_root()).expect("the app builds");
    let assembly = app.synth(Format::Json).expect("the app synthesizes");
    let mut out: Vec<(String, String, String)> = Vec::new();
    for asset in assembly.stacks.iter().flat_map(|s| &s.assets) {
        if let (Some(package), Some(crate_dir)) = (&asset.package, &asset.crate_dir) {
            let entry = (
                package.clone(),
                crate_dir.clone(),
                asset.source_path.clone(),
            );
            if FUNCTIONS.contains(&package.as_str()) && !out.contains(&entry) {
                out.push(entry);
            }
        }
    }
    assert_eq!(
        out.len(),
        FUNCTIONS.len(),
        "one asset per function: {out:?}"
    );
    out
}

/// The files of the zip at `zip`, extracted into `into`. Read with Python's
/// `zipfile` (python3 is already needed by scripts/ and the suite) rather
/// than a zip crate, which would compile a dependency for this one test.
fn unzip(zip: &Path, into: &Path) -> Vec<String> {
    let run = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(zip)
        .arg(into)
        .output()
        .expect("python3 runs");
    assert!(run.status.success(), "{}", text(&run.stderr));
    let mut names: Vec<String> = std::fs::read_dir(into)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn check_assets(cdk_out: &Path) -> Output {
    Command::new("python3")
        .arg(workspace_root().join("scripts/check-assets.py"))
        .arg(cdk_out)
        .output()
        .expect("python3 runs")
}

#[test]
#[ignore = "compiles the app's functions with cargo-lambda for arm64 (minutes); needs cargo-lambda and zig on PATH: source scripts/tools.sh"]
fn build_puts_each_functions_own_binary_in_its_asset() {
    let dir = tempfile::tempdir().unwrap();
    let cdk_out = dir.path().join("cdk.out");
    // For the architecture the stacks declare (arm64), as a user's `infra build` does: the
    // same compilation as scripts/build-functions.sh, which then finds it done.
    let mut args = vec!["build", "--output"];
    args.push(cdk_out.to_str().unwrap());
    args.extend(FUNCTIONS);
    let run = Command::new(env!("CARGO_BIN_EXE_infra"))
        .args(&args)
        .current_dir(dir.path())
        .env("INFRA_SOURCE_ROOT", workspace_root())
        .output()
        .expect("infra runs");
    let stderr = text(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    eprintln!("{stderr}");

    let expected = expected_assets();
    for (package, crate_dir, file_name) in &expected {
        let files = dir.path().join(package);
        assert_eq!(unzip(&cdk_out.join(file_name), &files), ["bootstrap"]);
        let binary = std::fs::read(files.join("bootstrap")).unwrap();
        let holds = |dir: &str| {
            let needle = format!("{dir}/src/");
            binary.windows(needle.len()).any(|w| w == needle.as_bytes())
        };
        assert!(holds(crate_dir), "{file_name} lacks {crate_dir}/src/");
        for (other, other_dir, _) in &expected {
            if other != package {
                assert!(!holds(other_dir), "{file_name} ({package}) holds {other}");
            }
        }
    }

    let check = check_assets(&cdk_out);
    let report = text(&check.stdout);
    assert!(check.status.success(), "{report}{}", text(&check.stderr));
    assert_eq!(report.matches(" OK").count(), FUNCTIONS.len(), "{report}");

    // The script catches a zip holding another function.
    let (_, _, first) = &expected[0];
    let (_, _, second) = &expected[1];
    std::fs::copy(cdk_out.join(second), cdk_out.join(first)).unwrap();
    let check = check_assets(&cdk_out);
    let report = text(&check.stdout);
    assert!(!check.status.success(), "{report}");
    assert!(report.contains("FAIL"), "{report}");
}
