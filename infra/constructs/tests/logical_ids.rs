//! Logical IDs match the AWS CDK's: the table in `data/logical_ids.json` was
//! computed by the real `aws-cdk-lib` (see `scripts/cdk-logical-ids.js`).

use rcdk_constructs::logical_id::make_unique_id;
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    cdk_version: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    path: Vec<String>,
    logical_id: String,
}

#[test]
fn logical_ids_match_the_aws_cdk() {
    let table: Table =
        serde_json::from_str(include_str!("data/logical_ids.json")).expect("valid table");
    assert!(table.cases.len() >= 20, "the table covers the cases");
    let mut failures = Vec::new();
    for case in &table.cases {
        let path: Vec<&str> = case.path.iter().map(String::as_str).collect();
        let ours = make_unique_id(&path).unwrap_or_default();
        if ours != case.logical_id {
            failures.push(format!(
                "{:?}: CDK {} gives '{}', we give '{ours}'",
                case.path, table.cdk_version, case.logical_id
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
