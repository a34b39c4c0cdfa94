//! What a real account would already have and a fresh engine lacks.
//!
//! Today that is SES identities: a stack grants `ses:SendEmail` on
//! `…:identity/<address or domain>` for senders the account verified once, by
//! hand, outside any stack. Every identity that an IAM statement of the app
//! lets a function send from is created (and so verified) on the engine.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use crate::deploy::assembly::Stack;
use crate::deploy::session::error_message;

/// The SES identities the app's IAM statements allow sending from, sorted.
pub fn ses_identities(stacks: &[Stack]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for stack in stacks {
        collect_statements(&stack.template, &mut |statement| {
            let sends = strings(statement.get("Action"))
                .iter()
                .any(|a| a.starts_with("ses:Send") || *a == "ses:*");
            if statement.get("Effect").and_then(Json::as_str) != Some("Allow") || !sends {
                return;
            }
            for resource in resources(statement.get("Resource")) {
                if let Some((_, identity)) = resource.rsplit_once(":identity/") {
                    if !identity.contains("${") && !identity.contains('*') && !identity.is_empty() {
                        out.insert(identity.to_owned());
                    }
                }
            }
        });
    }
    out
}

/// Creates the identities on the engine (SES v2 `CreateEmailIdentity`; one that exists is kept).
pub async fn create_ses_identities(
    ses: &aws_sdk_sesv2::Client,
    identities: &BTreeSet<String>,
) -> crate::Result<()> {
    for identity in identities {
        match ses
            .create_email_identity()
            .email_identity(identity)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_already_exists_exception()) => {}
            Err(e) => {
                return Err(crate::Error::Aws {
                    action: format!("verify the SES identity {identity}"),
                    message: error_message(&e),
                })
            }
        }
    }
    Ok(())
}

/// Calls `f` with every IAM policy statement anywhere in the template.
fn collect_statements(value: &Json, f: &mut dyn FnMut(&serde_json::Map<String, Json>)) {
    match value {
        Json::Object(map) => {
            if let Some(statements) = map.get("Statement") {
                for s in statements
                    .as_array()
                    .map_or(vec![statements], |a| a.iter().collect())
                {
                    if let Some(s) = s.as_object() {
                        f(s);
                    }
                }
            }
            map.values().for_each(|v| collect_statements(v, f));
        }
        Json::Array(items) => items.iter().for_each(|v| collect_statements(v, f)),
        _ => {}
    }
}

fn strings(value: Option<&Json>) -> Vec<&str> {
    match value {
        Some(Json::String(s)) => vec![s],
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).collect(),
        _ => vec![],
    }
}

/// Resource ARNs of a statement, literal or `Fn::Sub` text.
fn resources(value: Option<&Json>) -> Vec<&str> {
    fn one(v: &Json) -> Option<&str> {
        v.as_str()
            .or_else(|| v.get("Fn::Sub").and_then(Json::as_str))
    }
    match value {
        Some(Json::Array(items)) => items.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identities_come_from_send_statements_only() {
        let template = json!({"Resources": {"Policy": {"Type": "AWS::IAM::Policy", "Properties": {
        "PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "ses:SendEmail", "Resource": [
                {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/no-reply@example.com"},
                {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/example.com"}
            ]},
            {"Effect": "Allow", "Action": ["ses:GetAccount"], "Resource": "arn:aws:ses:us-east-1:1:identity/other.org"},
            {"Effect": "Deny", "Action": "ses:SendEmail", "Resource": "arn:aws:ses:us-east-1:1:identity/denied.org"},
            {"Effect": "Allow", "Action": "ses:SendEmail", "Resource": {"Fn::Sub": "arn:aws:ses:${AWS::Region}:1:identity/${Sender}"}}
        ]}}}}});
        let stack = crate::deploy::assembly::Stack::for_test("S", "S", template);
        assert_eq!(
            ses_identities(&[stack]).into_iter().collect::<Vec<_>>(),
            ["example.com", "no-reply@example.com"]
        );
    }
}
