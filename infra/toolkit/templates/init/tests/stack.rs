//! The stack's resources, checked with the construct library's assertions.

use std::collections::BTreeMap;
use std::path::PathBuf;

use constructs::assertions::{Match, Template};
use serde_json::json;

fn template() -> Template {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let app = app::build(BTreeMap::new(), root).expect("the app builds");
    let stack = app.stacks().into_iter().next().expect("one stack");
    Template::from_stack(&stack)
}

#[test]
fn the_table_is_encrypted_and_recoverable() {
    let t = template();
    t.resource_count_is("AWS::DynamoDB::Table", 1);
    t.has_resource_properties(
        "AWS::DynamoDB::Table",
        json!({
            "SSESpecification": {"SSEEnabled": true},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}
        }),
    );
}

#[test]
fn the_function_knows_its_table_and_may_write_to_it() {
    let t = template();
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({
            "Runtime": "provided.al2023",
            "Environment": {"Variables": {"TABLE_NAME": {"Ref": Match::any_value()}}}
        }),
    );
    let policies = t.find_resources("AWS::IAM::Policy", &json!({}));
    let writes = policies.iter().any(|(_, policy)| {
        policy["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["Action"].to_string().contains("dynamodb:PutItem"))
    });
    assert!(writes, "a policy allows dynamodb:PutItem: {policies:?}");
}
