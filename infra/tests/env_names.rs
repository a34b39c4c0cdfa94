//! Every function's environment, as the app sets it, against the names its function reads
//! (`env-names`): each required name is set, and nothing else is set but declared optional
//! ones. A stack that forgets or misspells a name fails here, not at the function's cold
//! start.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure ends the run with its message"
)]

mod common;

use std::collections::BTreeSet;

use constructs::Format;
use env_names::{
    authorizer, oauth_collector, order_processor, orders_api, otp_create, otp_verify,
    results_generator,
};
use serde_json::Value as Json;

/// (package, required names, optional names) of each function.
const FUNCTIONS: &[(&str, &[&str], &[&str])] = &[
    ("authorizer", authorizer::REQUIRED, authorizer::OPTIONAL),
    ("orders-api", orders_api::REQUIRED, orders_api::OPTIONAL),
    (
        "results-generator",
        results_generator::REQUIRED,
        results_generator::OPTIONAL,
    ),
    (
        "order-processor",
        order_processor::REQUIRED,
        order_processor::OPTIONAL,
    ),
    (
        "oauth-collector",
        oauth_collector::REQUIRED,
        oauth_collector::OPTIONAL,
    ),
    ("otp-create", otp_create::REQUIRED, otp_create::OPTIONAL),
    ("otp-verify", otp_verify::REQUIRED, otp_verify::OPTIONAL),
];

/// (package, environment variable names) of every Lambda function of the app built with
/// `context`; the package is the crate its code asset is built from.
fn environments(context: &[(&str, &str)]) -> Vec<(String, BTreeSet<String>)> {
    let assembly = common::app(context)
        .synth(Format::Json)
        .expect("the app synthesizes");
    let mut out = Vec::new();
    for stack in &assembly.stacks {
        let resources = stack.template["Resources"].as_object().unwrap();
        for (id, resource) in resources {
            if resource["Type"] != "AWS::Lambda::Function" {
                continue;
            }
            let path = &resource["Metadata"]["aws:asset:path"];
            let package = stack
                .assets
                .iter()
                .find(|a| *path == a.source_path)
                .and_then(|a| a.package.clone())
                .unwrap_or_else(|| panic!("{id}: no crate asset for its code ({path})"));
            let names = match &resource["Properties"]["Environment"]["Variables"] {
                Json::Object(vars) => vars.keys().cloned().collect(),
                _ => BTreeSet::new(),
            };
            out.push((package, names));
        }
    }
    out
}

fn check(context: &[(&str, &str)]) {
    let found = environments(context);
    let mut packages: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    packages.sort_unstable();
    let mut expected: Vec<&str> = FUNCTIONS.iter().map(|(p, _, _)| *p).collect();
    expected.sort_unstable();
    assert_eq!(packages, expected, "one Lambda function per function crate");
    for (package, names) in &found {
        let (_, required, optional) = FUNCTIONS.iter().find(|(p, _, _)| p == package).unwrap();
        let missing: Vec<&&str> = required.iter().filter(|r| !names.contains(**r)).collect();
        assert!(
            missing.is_empty(),
            "{package}: required {missing:?} not set"
        );
        let unknown: Vec<&String> = names
            .iter()
            .filter(|n| !required.contains(&n.as_str()) && !optional.contains(&n.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "{package}: {unknown:?} set but not read (see env-names)"
        );
    }
}

#[test]
fn every_function_gets_the_names_it_reads() {
    check(&[]);
}

#[test]
fn every_function_gets_the_names_it_reads_in_prod_with_sms() {
    check(&[("env", "prod"), ("otp.sms", "true")]);
}
