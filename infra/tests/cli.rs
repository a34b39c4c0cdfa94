//! The `infra` binary end to end: what synth writes and prints, list, graph,
//! and the errors and exit codes of bad input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::path::Path;
use std::process::{Command, Output};

fn infra(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infra"))
        .args(args)
        .current_dir(cwd)
        .env(
            "INFRA_SOURCE_ROOT",
            concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
        )
        .output()
        .expect("infra runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn first_stack(cwd: &Path) -> String {
    let out = infra(&["list"], cwd);
    text(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// Without `INFRA_SOURCE_ROOT`, the sources are those of the workspace the
/// binary was built from, wherever it runs: the same bytes from any directory.
#[test]
fn synth_writes_the_same_bytes_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let read = |out: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let mut assemblies = Vec::new();
    for (i, cwd) in [dir.path(), workspace, &workspace.join("functions")]
        .into_iter()
        .enumerate()
    {
        let out = dir.path().join(format!("out{i}"));
        let run = Command::new(env!("CARGO_BIN_EXE_infra"))
            .args(["synth", "--quiet", "-o"])
            .arg(&out)
            .current_dir(cwd)
            .env_remove("INFRA_SOURCE_ROOT")
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "from {}: {}",
            cwd.display(),
            text(&run.stderr)
        );
        assemblies.push(read(&out));
    }
    assert!(
        assemblies[0].len() > 4,
        "templates, asset manifests, manifest.json, tree.json"
    );
    assert_eq!(
        assemblies[0], assemblies[1],
        "a temporary directory and the workspace"
    );
    assert_eq!(
        assemblies[1], assemblies[2],
        "the workspace and a subdirectory"
    );
}

#[test]
fn synth_writes_a_deterministic_assembly() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let run = infra(
            &["synth", "-o", out.to_str().unwrap(), "--quiet"],
            dir.path(),
        );
        assert!(run.status.success(), "{}", text(&run.stderr));
        assert!(run.stdout.is_empty(), "--quiet prints nothing");
    }
    let mut names: Vec<String> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.contains(&"manifest.json".to_owned()) && names.contains(&"tree.json".to_owned()),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with(".template.json")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with(".assets.json")),
        "{names:?}"
    );
    for name in &names {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name} differs between runs"
        );
    }
}

#[test]
fn synth_of_one_stack_prints_its_template() {
    let dir = tempfile::tempdir().unwrap();
    let stack = first_stack(dir.path());
    let run = infra(&["synth", &stack, "-o", "out"], dir.path());
    assert!(run.status.success(), "{}", text(&run.stderr));
    let printed: serde_json::Value =
        serde_json::from_slice(&run.stdout).expect("stdout is the template");
    assert!(printed["Resources"].is_object());

    let yaml = infra(
        &["synth", &stack, "-o", "out-yaml", "--format", "yaml"],
        dir.path(),
    );
    assert!(yaml.status.success(), "{}", text(&yaml.stderr));
    assert!(
        text(&yaml.stdout).contains("Resources:\n"),
        "YAML on stdout"
    );
}

#[test]
fn unknown_stack_lists_the_known_ones_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let stack = first_stack(dir.path());
    let run = infra(&["synth", "Nope", "-o", "out"], dir.path());
    assert_eq!(run.status.code(), Some(1));
    let err = text(&run.stderr);
    assert!(
        err.starts_with("infra: error: stack 'Nope' is not in the app; the stacks are: "),
        "{err}"
    );
    assert!(
        err.contains(&stack) && err.contains("run 'infra list'"),
        "{err}"
    );
}

#[test]
fn bad_context_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let env = infra(&["synth", "-c", "env=staging", "-o", "out"], dir.path());
    assert_eq!(env.status.code(), Some(1));
    assert!(text(&env.stderr)
        .contains("env='staging' is not an environment; use -c env=dev or -c env=prod"));

    let usage = infra(&["synth", "-c", "novalue"], dir.path());
    assert_eq!(usage.status.code(), Some(2), "clap usage errors exit 2");
    assert!(text(&usage.stderr).contains("'novalue' is not KEY=VALUE"));
}

#[test]
fn prod_differs_from_dev() {
    let dir = tempfile::tempdir().unwrap();
    let dev = text(&infra(&["list"], dir.path()).stdout);
    let prod = text(&infra(&["list", "-c", "env=prod"], dir.path()).stdout);
    assert!(dev.starts_with("Dev/"), "{dev}");
    assert!(prod.starts_with("Prod/"), "{prod}");
}

#[test]
fn list_as_json_and_graph() {
    let dir = tempfile::tempdir().unwrap();
    let run = infra(&["list", "--format", "json"], dir.path());
    assert!(run.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let first = &rows[0];
    assert!(
        first["name"].is_string() && first["environment"] == "aws://unknown-account/unknown-region"
    );
    assert!(first["dependencies"].is_array());

    let mermaid = text(&infra(&["graph"], dir.path()).stdout);
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    let dot = text(&infra(&["graph", "--to", "dot"], dir.path()).stdout);
    assert!(dot.starts_with("digraph app {"), "{dot}");
}
