//! Permissions boundaries: put one on every role of a scope, and read back
//! what those roles are for and may do, so that a boundary can be written to
//! fit them exactly.

use std::collections::BTreeSet;

use cfn::iam::{Policy, Role as CfnRole};
use constructs::{JsonValue, Resource, Scope, Value};

/// Sets `PermissionsBoundary` to `policy_arn` on every `AWS::IAM::Role` under
/// `scope`, those of higher-level constructs and L1s alike (the AWS CDK's
/// `PermissionsBoundary.of(scope).apply(…)`). Roles added to `scope` after the
/// call do not get it: call it once the scope is built.
pub fn apply_permissions_boundary(scope: &Scope, policy_arn: &Value<String>) {
    for resource in scope.resources() {
        if resource.resource_type() == CfnRole::TYPE {
            resource.update_properties::<CfnRole>(|role| {
                role.permissions_boundary = Some(policy_arn.clone());
            });
        }
    }
}

/// What the roles under some scopes are for and what they are allowed, read
/// from their trust policies and their `Allow` statements (inline `Policies`
/// and `AWS::IAM::Policy` resources): what a permissions boundary for them must allow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RolePermissions {
    /// The service principals that assume the roles, such as `lambda.amazonaws.com`.
    pub services: BTreeSet<String>,
    /// Actions allowed on named resources only.
    pub scoped_actions: BTreeSet<String>,
    /// Actions allowed on `Resource: "*"` somewhere (those without
    /// resource-level permissions); never also in `scoped_actions`.
    pub unscoped_actions: BTreeSet<String>,
}

impl RolePermissions {
    /// Reads the roles and policies under `scopes` as they stand (build them first).
    pub fn of<'a>(scopes: impl IntoIterator<Item = &'a Scope>) -> RolePermissions {
        let mut found = RolePermissions::default();
        for resource in scopes.into_iter().flat_map(Scope::resources) {
            // Properties that do not serialize fail synthesis with their path; nothing to read here.
            let Ok(props) = resource.properties_json() else {
                continue;
            };
            match resource.resource_type() {
                CfnRole::TYPE => {
                    found.add_trust(&props["AssumeRolePolicyDocument"]);
                    for policy in items(&props["Policies"]) {
                        found.add_allowed(&policy["PolicyDocument"]);
                    }
                }
                Policy::TYPE => found.add_allowed(&props["PolicyDocument"]),
                _ => {}
            }
        }
        found
            .scoped_actions
            .retain(|a| !found.unscoped_actions.contains(a));
        found
    }

    fn add_trust(&mut self, document: &JsonValue) {
        for statement in items(&document["Statement"]) {
            for service in items(&statement["Principal"]["Service"]) {
                if let Some(service) = service.as_str() {
                    self.services.insert(service.to_owned());
                }
            }
        }
    }

    fn add_allowed(&mut self, document: &JsonValue) {
        for statement in items(&document["Statement"]) {
            if statement["Effect"] != "Allow" {
                continue;
            }
            let unscoped = items(&statement["Resource"]).any(|r| r == "*");
            let into = if unscoped {
                &mut self.unscoped_actions
            } else {
                &mut self.scoped_actions
            };
            into.extend(items(&statement["Action"]).filter_map(|a| a.as_str().map(str::to_owned)));
        }
    }
}

/// The elements of a JSON value that IAM allows as one item or a list.
fn items(value: &JsonValue) -> impl Iterator<Item = &JsonValue> {
    match value {
        JsonValue::Array(list) => list.as_slice(),
        JsonValue::Null => &[],
        one => std::slice::from_ref(one),
    }
    .iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::{grant, Role, ServicePrincipal};
    use constructs::value::list;
    use constructs::App;
    use serde_json::json;

    #[test]
    fn boundary_goes_on_every_role_of_the_scope_and_only_there() {
        let app = App::new();
        let stack = app.stack("S");
        let inside = stack.scope("Inside");
        Role::new(
            &inside,
            "Fn",
            &ServicePrincipal::new("lambda.amazonaws.com"),
        );
        inside.add("Raw", CfnRole::new(json!({})));
        let outside = app.stack("Other");
        Role::new(
            &outside,
            "Fn",
            &ServicePrincipal::new("lambda.amazonaws.com"),
        );

        apply_permissions_boundary(&inside, &Value::from("arn:boundary"));
        let boundaries = |scope: &Scope| -> Vec<JsonValue> {
            scope
                .resources()
                .iter()
                .map(|r| r.properties_json().unwrap()["PermissionsBoundary"].clone())
                .collect()
        };
        assert_eq!(
            boundaries(&inside),
            [json!("arn:boundary"), json!("arn:boundary")]
        );
        assert_eq!(boundaries(&outside), [JsonValue::Null]);
    }

    #[test]
    fn reads_services_and_allowed_actions_of_roles_and_policies() {
        let app = App::new();
        let stack = app.stack("S");
        let function = Role::new(&stack, "Fn", &ServicePrincipal::new("lambda.amazonaws.com"));
        grant(
            &function,
            &["s3:GetObject", "xray:PutTraceSegments"],
            vec![Value::from("arn:b/*")],
        );
        grant(
            &function,
            &["xray:PutTraceSegments"],
            vec![Value::from("*")],
        );
        function.add_to_policy(crate::iam::PolicyStatement::deny(
            ["sns:Publish"],
            [Value::from("*")],
        ));
        stack.add(
            "Api",
            CfnRole::new(json!({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"Service": ["apigateway.amazonaws.com"]}}]}))
            .policies(list([cfn::iam::role::Policy::new(
                "Logs",
                json!({"Statement": {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:l"}}),
            )])),
        );

        let found = RolePermissions::of([&*stack]);
        let set = |items: &[&str]| {
            items
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(
            found,
            RolePermissions {
                services: set(&["apigateway.amazonaws.com", "lambda.amazonaws.com"]),
                scoped_actions: set(&["logs:PutLogEvents", "s3:GetObject"]),
                unscoped_actions: set(&["xray:PutTraceSegments"]),
            }
        );
    }
}
