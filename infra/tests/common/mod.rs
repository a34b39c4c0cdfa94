//! Helpers shared by the stack tests: building the app, finding resources
//! and policies in a template, snapshots of synthesized templates.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]
// Each test binary compiles this module and uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use constructs::assertions::Template;
use constructs::{App, Stack};
use serde_json::{json, Value};

/// The workspace root, where the function crates are found.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The app built with `context` (`-c` values).
pub fn app(context: &[(&str, &str)]) -> App {
    let context: BTreeMap<String, String> = context
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    infra::app::build(context, workspace_root()).expect("the app builds")
}

/// The stack `id` (`Orders`) of the app built with `context` (`-c` values).
pub fn app_stack(id: &str, context: &[(&str, &str)]) -> Stack {
    app(context)
        .stacks()
        .into_iter()
        .find(|s| s.id() == id)
        .unwrap_or_else(|| panic!("a stack '{id}'"))
}

/// The template of [`app_stack`].
pub fn app_template(id: &str, context: &[(&str, &str)]) -> Template {
    Template::from_stack(&app_stack(id, context))
}

/// The logical ID of the only resource of `resource_type` whose ID starts with `prefix`.
pub fn id(t: &Template, resource_type: &str, prefix: &str) -> String {
    let found: Vec<String> = t
        .find_resources(resource_type, &json!({}))
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| id.starts_with(prefix))
        .collect();
    assert_eq!(found.len(), 1, "one {resource_type} '{prefix}…': {found:?}");
    found[0].clone()
}

/// The statements of the one policy attached to the role whose ID starts with `role_prefix`.
pub fn policy_statements(t: &Template, role_prefix: &str) -> Value {
    let role = id(t, "AWS::IAM::Role", role_prefix);
    let found = t.find_resources(
        "AWS::IAM::Policy",
        &json!({"Properties": {"Roles": [{"Ref": role}]}}),
    );
    assert_eq!(found.len(), 1, "one policy for {role_prefix}…: {found:?}");
    found[0].1["Properties"]["PolicyDocument"]["Statement"].clone()
}

/// Compares `json` with the committed snapshot
/// `infra/tests/snapshots/{name}.template.json`; with `UPDATE_SNAPSHOTS=1`
/// in the environment, (re)writes the snapshot instead.
///
/// Function code asset keys (`<64 hex digits>.zip`, content hashes of the
/// crates in `functions/`) are written as `<asset>.zip`, and asset paths
/// (`asset.<64 hex digits>.zip`) as `asset.<asset>.zip`, so that editing a
/// function does not change the snapshot of the stack that deploys it; the
/// asset hashing has its own tests.
///
/// # Panics
/// When the snapshot is missing or differs: the message shows the differing
/// lines and the command that updates the file.
pub fn assert_snapshot(name: &str, json: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.template.json"));
    let actual = serde_json::to_string_pretty(&mask_assets(json)).expect("JSON serializes") + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        fs::create_dir_all(path.parent().expect("snapshot dir")).expect("create snapshot dir");
        fs::write(&path, &actual).expect("write snapshot");
        return;
    }
    let update = "run `UPDATE_SNAPSHOTS=1 cargo test -p infra` and commit the file if the change is intended";
    let expected = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("snapshot {} cannot be read ({e}); {update}", path.display()));
    if expected != actual {
        panic!(
            "the template of {name} differs from the snapshot {} (- snapshot, + now):\n{}\n{update}",
            path.display(),
            diff(&expected, &actual)
        );
    }
}

fn mask_assets(json: &Value) -> Value {
    match json {
        Value::String(s) if is_asset_key(s) => Value::String("<asset>.zip".to_owned()),
        Value::String(s) if s.strip_prefix("asset.").is_some_and(is_asset_key) => {
            Value::String("asset.<asset>.zip".to_owned())
        }
        Value::Array(items) => Value::Array(items.iter().map(mask_assets).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask_assets(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn is_asset_key(s: &str) -> bool {
    s.strip_suffix(".zip")
        .is_some_and(|hash| hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The differing lines of `a` and `b` (longest common subsequence), each
/// with its line number, and up to two unchanged lines around them.
fn diff(a: &str, b: &str) -> String {
    let a: Vec<&str> = a.lines().collect();
    let b: Vec<&str> = b.lines().collect();
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops = Vec::new(); // (tag, line number, text)
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', j + 1, a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', i + 1, a[i]));
            i += 1;
        } else {
            ops.push(('+', j + 1, b[j]));
            j += 1;
        }
    }
    let near_change = |k: usize| {
        ops[k.saturating_sub(2)..(k + 3).min(ops.len())]
            .iter()
            .any(|(tag, _, _)| *tag != ' ')
    };
    let mut out = Vec::new();
    let mut skipped = false;
    for (k, (tag, line, text)) in ops.iter().enumerate() {
        if near_change(k) {
            if skipped {
                out.push("   …".to_owned());
                skipped = false;
            }
            out.push(format!("{tag}{line:>5} {text}"));
        } else {
            skipped = true;
        }
    }
    out.join("\n")
}
