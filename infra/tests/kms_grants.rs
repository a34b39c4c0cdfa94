//! What IAM policies let roles do with KMS keys, across every stack of every configuration:
//! no role may re-encrypt, and a function may only decrypt, or also generate data keys when
//! it writes to an encrypted bucket or topic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use constructs::assertions::Template;
use serde_json::{json, Value as Json};

const CONFIGURATIONS: [&[(&str, &str)]; 4] = [
    &[],
    &[("env", "prod")],
    &[("otp.sms", "true")],
    &[
        ("pipeline", "true"),
        (
            "pipeline.connectionArn",
            "arn:aws:codeconnections:eu-west-1:123456789012:connection/abc",
        ),
        ("pipeline.repository", "owner/repo"),
        ("pipeline.prod", "true"),
    ],
];

/// Every stack template of the app built with `context`, by stack name.
fn templates(context: &[(&str, &str)]) -> Vec<(String, Template)> {
    let context: BTreeMap<String, String> = context
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    infra::app::build(context, common::workspace_root())
        .expect("the app builds")
        .stacks()
        .into_iter()
        .map(|stack| (stack.stack_name(), Template::from_stack(&stack)))
        .collect()
}

/// The KMS actions the identity policies attached to the role `role` allow.
fn kms_actions(t: &Template, role: &str) -> BTreeSet<String> {
    t.find_resources(
        "AWS::IAM::Policy",
        &json!({"Properties": {"Roles": [{"Ref": role}]}}),
    )
    .iter()
    .flat_map(|(_, policy)| statements(policy))
    .flat_map(|statement| actions(&statement))
    .filter(|action| action.starts_with("kms:"))
    .collect()
}

fn statements(policy: &Json) -> Vec<Json> {
    policy["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn actions(statement: &Json) -> Vec<String> {
    match &statement["Action"] {
        Json::String(a) => vec![a.clone()],
        Json::Array(all) => all
            .iter()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn no_identity_policy_allows_re_encrypting() {
    for context in CONFIGURATIONS {
        for (stack, t) in templates(context) {
            for (id, policy) in t.find_resources("AWS::IAM::Policy", &json!({})) {
                for statement in statements(&policy) {
                    let re_encrypt: Vec<String> = actions(&statement)
                        .into_iter()
                        .filter(|a| a.to_ascii_lowercase().starts_with("kms:reencrypt"))
                        .collect();
                    assert!(
                        re_encrypt.is_empty(),
                        "{stack}/{id} ({context:?}) allows {re_encrypt:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn functions_only_decrypt_and_only_writers_to_encrypted_buckets_or_topics_generate_data_keys() {
    let decrypt = BTreeSet::from(["kms:Decrypt".to_owned()]);
    let data_keys = BTreeSet::from(["kms:Decrypt".to_owned(), "kms:GenerateDataKey".to_owned()]);
    for context in CONFIGURATIONS {
        // Construct paths without the stage (`Dev`, `Prod`).
        let mut generating = BTreeSet::new();
        for (stack, t) in templates(context) {
            for (id, function) in t.find_resources("AWS::Lambda::Function", &json!({})) {
                let role = function["Properties"]["Role"]["Fn::GetAtt"][0]
                    .as_str()
                    .unwrap_or_else(|| panic!("{stack}/{id}: the role is in the stack"));
                let kms = kms_actions(&t, role);
                if kms == data_keys {
                    let path = function["Metadata"]["aws:cdk:path"].as_str().unwrap();
                    generating.insert(path.split_once('/').unwrap().1.to_owned());
                } else {
                    assert_eq!(kms, decrypt, "{stack}/{id} ({context:?})");
                }
            }
        }
        assert_eq!(
            generating,
            BTreeSet::from([
                "Auction/OrderProcessor/Resource".to_owned(),
                "Tokens/Collector/Resource".to_owned(),
            ]),
            "{context:?}"
        );
    }
}
