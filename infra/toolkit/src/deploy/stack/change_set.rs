//! The change set of a deployment: the request (parameters, tags, template
//! inline or from S3), waiting until CloudFormation has computed it, and
//! deleting it.

use std::time::Duration;

use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter, Tag};
use aws_sdk_cloudformation::Client;
use serde_json::Value as Json;

use super::DeployOptions;
use crate::deploy::assembly::Stack;
use crate::deploy::changeset::ResourceChange;
use crate::deploy::poll;
use crate::error::{Error, Result};

/// The change set name (reused, like the CDK's `cdk-deploy-change-set`).
pub const CHANGE_SET_NAME: &str = "infra-deploy";

/// Largest template CloudFormation accepts inline; larger ones go through S3.
const MAX_INLINE_TEMPLATE: usize = 51_200;

/// How long a change set may take to be computed. CloudFormation computes one in seconds
/// to a minute; a stack operation itself is not bounded (CloudFormation bounds it).
const CHANGE_SET_TIMEOUT: Duration = Duration::from_secs(600);

/// Creates the change set of `stack`: a CREATE one when the stack does not
/// exist, else an UPDATE one that keeps the `deployed` parameters not given now.
pub async fn create(
    cfn: &Client,
    stack: &Stack,
    opts: &DeployOptions,
    deployed: Option<&[String]>,
    template_url: Option<String>,
) -> Result<()> {
    let name = &stack.stack_name;
    let mut tags = stack.tags.clone();
    tags.extend(opts.tags.iter().cloned());
    let request = cfn
        .create_change_set()
        .stack_name(name)
        .change_set_name(CHANGE_SET_NAME)
        .change_set_type(if deployed.is_none() {
            ChangeSetType::Create
        } else {
            ChangeSetType::Update
        })
        .description(format!("infra deploy of {}", stack.display_name))
        .set_role_arn(opts.role_arn.clone())
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand)
        .set_parameters(Some(parameters(stack, opts, deployed)))
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ));
    let request = if stack.template_body.len() <= MAX_INLINE_TEMPLATE {
        request.template_body(&stack.template_body)
    } else {
        let url = template_url.ok_or_else(|| Error::TemplateTooLarge {
            stack: name.clone(),
        })?;
        request.template_url(url)
    };
    request
        .send()
        .await
        .map_err(Error::aws(format!("create a change set for stack {name}")))?;
    Ok(())
}

/// Polls the change set until it is ready; `None` when it is empty.
pub async fn wait_for(
    cfn: &Client,
    name: &str,
    poll: Duration,
) -> Result<Option<Vec<ResourceChange>>> {
    poll::until(poll, async |elapsed| {
        let mut changes = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = cfn
                .describe_change_set()
                .stack_name(name)
                .change_set_name(CHANGE_SET_NAME)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(Error::aws(format!(
                    "describe the change set of stack {name}"
                )))?;
            let status = out.status().cloned();
            if status == Some(ChangeSetStatus::Failed) {
                let reason = out.status_reason().unwrap_or_default();
                if reason.contains("didn't contain changes")
                    || reason.contains("No updates are to be performed")
                {
                    return Ok(Some(None));
                }
                return Err(Error::ChangeSetFailed {
                    stack: name.to_owned(),
                    reason: reason.to_owned(),
                });
            }
            changes.extend(out.changes().iter().filter_map(ResourceChange::from_sdk));
            token = out.next_token().map(str::to_owned);
            if token.is_some() {
                continue;
            }
            if status == Some(ChangeSetStatus::CreateComplete) {
                return Ok(Some(Some(changes)));
            }
            if elapsed >= CHANGE_SET_TIMEOUT {
                return Err(Error::ChangeSetTimeout {
                    stack: name.to_owned(),
                    change_set: CHANGE_SET_NAME.to_owned(),
                    status,
                    seconds: CHANGE_SET_TIMEOUT.as_secs(),
                });
            }
            return Ok(None);
        }
    })
    .await
}

/// Deletes the change set, if there is one (left by an earlier `--no-execute`
/// or interrupted run, or empty). Best effort: a change set that cannot be
/// deleted is replaced or reported by the next `CreateChangeSet`.
pub async fn delete(cfn: &Client, name: &str) {
    let _ = cfn
        .delete_change_set()
        .stack_name(name)
        .change_set_name(CHANGE_SET_NAME)
        .send()
        .await;
}

/// Deletes the change set, and the empty stack (REVIEW_IN_PROGRESS) a CREATE
/// change set made. Best effort, after the deployment was refused.
pub async fn discard(cfn: &Client, name: &str, create: bool) {
    delete(cfn, name).await;
    if create {
        let _ = cfn.delete_stack().stack_name(name).send().await;
    }
}

/// The parameters of the change set: those given for this stack, and, as the
/// CDK does, the deployed value of the others.
fn parameters(stack: &Stack, opts: &DeployOptions, deployed: Option<&[String]>) -> Vec<Parameter> {
    let declared: Vec<String> = stack
        .template
        .get("Parameters")
        .and_then(Json::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let mut out: Vec<Parameter> = Vec::new();
    let mut given: Vec<&str> = Vec::new();
    for (filter, key, value) in &opts.parameters {
        let applies = filter.as_ref().is_none_or(|f| {
            f == &stack.stack_name || f == &stack.display_name || f == &stack.artifact_id
        });
        if applies && declared.contains(key) {
            out.retain(|p| p.parameter_key() != Some(key));
            out.push(
                Parameter::builder()
                    .parameter_key(key)
                    .parameter_value(value)
                    .build(),
            );
            given.push(key);
        }
    }
    for key in &declared {
        if !given.contains(&key.as_str()) && deployed.is_some_and(|d| d.contains(key)) {
            out.push(
                Parameter::builder()
                    .parameter_key(key)
                    .use_previous_value(true)
                    .build(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::stack::tests::stack;

    #[test]
    fn parameters_keep_deployed_values_unless_given() {
        let opts = DeployOptions {
            parameters: vec![
                (None, "Mode".into(), "fast".into()),
                (Some("Other".into()), "Size".into(), "9".into()),
                (None, "Unknown".into(), "x".into()),
            ],
            ..DeployOptions::default()
        };
        let p = parameters(&stack(), &opts, Some(&["Mode".into(), "Size".into()]));
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].parameter_key(), p[0].parameter_value()),
            (Some("Mode"), Some("fast"))
        );
        assert_eq!(
            (p[1].parameter_key(), p[1].use_previous_value()),
            (Some("Size"), Some(true))
        );
        assert_eq!(parameters(&stack(), &opts, None).len(), 1);
    }
}
