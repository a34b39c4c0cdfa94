//! Helpers shared by the stack tests: snapshots of synthesized templates.

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

/// Compares `json` with the committed snapshot
/// `infra/tests/snapshots/{name}.template.json`; with `UPDATE_SNAPSHOTS=1`
/// in the environment, (re)writes the snapshot instead.
///
/// Function code asset keys (`<64 hex digits>.zip`, content hashes of the
/// crates in `functions/`) are written as `<asset>.zip`, so that editing a
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
