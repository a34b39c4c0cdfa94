//! The permissions boundary of the app's roles when the pipeline deploys them.
//!
//! It is derived from the app itself: the actions the app's roles are granted
//! (read from the stacks as built, so it cannot drift from the grants), each
//! on the resources of its service in this account and region. Actions the
//! app grants on `*` (those without resource-level permissions, such as
//! X-Ray's) stay on `*`. Nothing else: no IAM action (a role granted one
//! loses it), and no service the app does not use. A grant of a new action therefore changes the boundary,
//! which only an administrator can deploy (see the README, "Delivery pipeline").

use std::collections::BTreeMap;

use aws_constructs::arn::{format_arn, ArnComponents};
use aws_constructs::iam::{Condition, PolicyStatement, RolePermissions};
use constructs::value::aws;
use constructs::Value;

/// The boundary's statements for roles granted `granted`.
pub fn boundary_statements(granted: &RolePermissions) -> Vec<PolicyStatement> {
    let mut by_service: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for action in &granted.scoped_actions {
        let service = action.split(':').next().unwrap_or_default();
        if service != "iam" {
            by_service.entry(service).or_default().push(action);
        }
    }
    let mut statements: Vec<PolicyStatement> = by_service
        .into_iter()
        .map(|(service, actions)| service_statement(service, actions))
        .collect();
    if !granted.unscoped_actions.is_empty() {
        statements.push(PolicyStatement::allow(
            granted.unscoped_actions.iter().map(String::as_str),
            [Value::from("*")],
        ));
    }
    statements
}

/// `actions` of `service` on that service's resources in this account (and
/// region, for regional services).
fn service_statement(service: &str, actions: Vec<&str>) -> PolicyStatement {
    match service {
        // Bucket ARNs name no account: the condition keeps them to this one.
        "s3" => {
            let buckets = ArnComponents::new("s3", "*").global().account("");
            PolicyStatement::allow(actions, [format_arn(&buckets)]).condition(
                Condition::string_equals("aws:ResourceAccount", aws::account_id()),
            )
        }
        _ => PolicyStatement::allow(actions, [format_arn(&ArnComponents::new(service, "*"))]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(items: &[&str]) -> std::collections::BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn one_statement_per_service_on_its_account_resources_no_iam_and_unscoped_actions_on_star() {
        let granted = RolePermissions {
            services: set(&["lambda.amazonaws.com"]),
            scoped_actions: set(&[
                "dynamodb:PutItem",
                "s3:GetObject",
                "dynamodb:GetItem",
                "iam:PassRole",
            ]),
            unscoped_actions: set(&["xray:PutTraceSegments"]),
        };
        let statements: Vec<_> = boundary_statements(&granted)
            .iter()
            .map(PolicyStatement::to_json)
            .collect();
        assert_eq!(
            statements,
            [
                json!({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                       "Resource": {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:*"}}),
                json!({"Effect": "Allow", "Action": "s3:GetObject",
                       "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::*"},
                       "Condition": {"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}}),
                json!({"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"}),
            ]
        );
    }
}
