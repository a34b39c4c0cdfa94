//! The permissions boundary of the deployed stacks' roles, and what the
//! deploy role may do with roles.
//!
//! The pipeline stack defines the boundary, a managed policy with a fixed name
//! ([`permissions_boundary_name`]) that the deployed stacks' roles name by ARN
//! ([`permissions_boundary_arn`]). The deploy role may create a role of a
//! deployed stack, or change its policies or boundary, only when that role
//! carries the boundary; it may never remove a boundary, set another one, or
//! change the boundary policy. So whatever a pushed commit puts in a stack, the
//! roles CloudFormation makes for it can do at most what the boundary allows,
//! and the pipeline cannot widen its own permissions: a change to the pipeline
//! stack's roles or to the boundary is denied to the deploy role, and needs an
//! administrator's `infra deploy`.

use aws_constructs::arn::{format_arn, ArnComponents};
use aws_constructs::iam::{Condition, PolicyStatement};
use cfn::iam::ManagedPolicy;
use constructs::{Scope, Value};
use serde_json::json;

use crate::perms::{
    BOUNDARY_POLICY_CHANGE_ACTIONS, BOUNDARY_REMOVE_ACTIONS, BOUNDARY_SET_ACTIONS,
    PASS_ROLE_ACTIONS, ROLE_MANAGE_ACTIONS, ROLE_WRITE_ACTIONS,
};

/// The boundary policy's name: `<pipeline stack>-PermissionsBoundary`.
pub fn permissions_boundary_name(pipeline_stack: &str) -> String {
    format!("{pipeline_stack}-PermissionsBoundary")
}

/// The boundary policy's ARN, in the account and partition of the stack that
/// names it. Stacks refer to it by this name rather than by an import, so the
/// pipeline stack exports nothing that would pin it.
pub fn permissions_boundary_arn(pipeline_stack: &str) -> Value<String> {
    let name = permissions_boundary_name(pipeline_stack);
    format_arn(&ArnComponents::new("iam", "policy").global().name(&name))
}

/// Adds the boundary policy, allowing `statements`, under `scope`.
pub(crate) fn add_policy(scope: &Scope, pipeline_stack: &str, statements: &[PolicyStatement]) {
    let document = json!({
        "Version": "2012-10-17",
        "Statement": statements.iter().map(PolicyStatement::to_json).collect::<Vec<_>>(),
    });
    scope.scope("PermissionsBoundary").add(
        "Resource",
        ManagedPolicy::new(document)
            .managed_policy_name(permissions_boundary_name(pipeline_stack))
            .description(
                "Permissions boundary of every role the pipeline deploys: the most those roles may do",
            ),
    );
}

/// The deploy role's statements on the roles of `stacks`: create and change
/// them only with the boundary, pass them only to `services`, and never remove
/// or replace a boundary or change the boundary policy.
pub(crate) fn role_statements(
    pipeline_stack: &str,
    stacks: &[&str],
    services: &[String],
) -> Vec<PolicyStatement> {
    let boundary = permissions_boundary_arn(pipeline_stack);
    // CloudFormation names the roles it creates `<stack>-<logical id>-<suffix>`.
    let roles: Vec<Value<String>> = stacks
        .iter()
        .map(|stack| {
            format_arn(
                &ArnComponents::new("iam", "role")
                    .global()
                    .name(&format!("{stack}-*")),
            )
        })
        .collect();
    let any_role = format_arn(&ArnComponents::new("iam", "role").global().name("*"));
    let mut statements = vec![
        PolicyStatement::allow(ROLE_WRITE_ACTIONS.iter().copied(), roles.clone()).condition(
            Condition::string_equals("iam:PermissionsBoundary", &boundary),
        ),
        PolicyStatement::allow(ROLE_MANAGE_ACTIONS.iter().copied(), roles.clone()),
    ];
    if !services.is_empty() {
        statements.push(
            PolicyStatement::allow(PASS_ROLE_ACTIONS.iter().copied(), roles)
                .condition(Condition::string_equals("iam:PassedToService", services)),
        );
    }
    statements.extend([
        PolicyStatement::deny(BOUNDARY_REMOVE_ACTIONS.iter().copied(), [any_role.clone()]),
        PolicyStatement::deny(BOUNDARY_SET_ACTIONS.iter().copied(), [any_role]).condition(
            Condition::string_not_equals("iam:PermissionsBoundary", &boundary),
        ),
        PolicyStatement::deny(BOUNDARY_POLICY_CHANGE_ACTIONS.iter().copied(), [boundary]),
    ]);
    statements
}
