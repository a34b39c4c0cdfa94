//! Deploying, diffing and destroying one stack through CloudFormation change
//! sets, as the AWS CDK CLI does: `deploy` checks the environment and publishes
//! the assets, [`apply`] runs the change set (`change_set.rs` makes and
//! waits for it), `wait.rs` follows stack operations, `destroy.rs` deletes.
//! Progress goes to a [`Reporter`]; nothing here prints.

mod apply;
mod change_set;
mod destroy;
mod wait;

use std::io::IsTerminal as _;
use std::path::Path;
use std::time::Duration;

use aws_sdk_cloudformation::types::TemplateStage;
use aws_sdk_cloudformation::Client;
use serde_json::Value as Json;

pub use self::apply::{apply, failure_message};
pub use self::change_set::CHANGE_SET_NAME;
pub use self::destroy::{destroy, retained_resources};
use super::assembly::Stack;
use super::assets::{human_size, publish};
use super::changeset::RequireApproval;
use super::diff::{diff_templates, TemplateDiff};
use super::report::Reporter;
use super::session::{self, describe, Environment, Session, StackTarget, TOOLKIT_STACK};
use crate::error::{Error, Result};

/// How to deploy.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// Template parameters: (stack name filter, key, value).
    pub parameters: Vec<(Option<String>, String, String)>,
    /// Extra stack tags (override the manifest's).
    pub tags: Vec<(String, String)>,
    /// When to ask before executing.
    pub require_approval: RequireApproval,
    /// Execute the change set (false: create it and stop).
    pub execute: bool,
    /// Whether a person can answer questions (default: whether stdin is a terminal).
    pub interactive: bool,
    /// Time between polls of change sets and events.
    pub poll: Duration,
    /// Role CloudFormation assumes to change the stack's resources (default: the caller's credentials).
    pub role_arn: Option<String>,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            parameters: Vec::new(),
            tags: Vec::new(),
            require_approval: RequireApproval::Broadening,
            execute: true,
            interactive: std::io::stdin().is_terminal(),
            poll: Duration::from_secs(2),
            role_arn: None,
        }
    }
}

/// What a deployment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deployed {
    /// The change set was empty; nothing was executed.
    NoChanges(Vec<(String, String)>),
    /// The change set was executed; the stack's outputs.
    Done(Vec<(String, String)>),
    /// The change set was created and left for review (`--no-execute`).
    NotExecuted,
}

/// Deploys one stack of the assembly in `dir`.
pub async fn deploy(
    session: &Session,
    dir: &Path,
    stack: &Stack,
    opts: &DeployOptions,
    report: &dyn Reporter,
) -> Result<Deployed> {
    let label = stack.label();
    let StackTarget { env, cfn, s3 } = session.stack_target(stack).await?;
    let bucket = env.staging_bucket();
    check_bootstrap(&cfn, &s3, &env).await?;

    report.line(&format!("{label}: deploying to {env}"));
    let published = publish(&s3, &bucket, dir, &stack.assets).await?;
    report.line(&format!(
        "{label}: assets: {} uploaded ({}), {} already published",
        published.uploaded.len(),
        human_size(published.bytes),
        published.present.len()
    ));

    let template_url = stack
        .assets
        .iter()
        .find(|a| {
            a.source_path.ends_with(".template.json") || a.source_path.ends_with(".template.yaml")
        })
        .map(|a| {
            format!(
                "https://{bucket}.s3.{}.amazonaws.com/{}",
                env.region, a.object_key
            )
        });
    apply(&cfn, stack, opts, template_url, report).await
}

/// The outputs as the AWS CDK prints them: `Outputs:` then `Stack.Key = value` lines.
pub fn format_outputs(stack_name: &str, outputs: &[(String, String)]) -> String {
    if outputs.is_empty() {
        return String::new();
    }
    let mut text = String::from("Outputs:\n");
    for (k, v) in outputs {
        text.push_str(&format!("{stack_name}.{k} = {v}\n"));
    }
    text
}

/// The deployed template of `name`, `None` when the stack does not exist.
pub async fn deployed_template(cfn: &Client, name: &str) -> Result<Option<Json>> {
    let out = match cfn
        .get_template()
        .stack_name(name)
        .template_stage(TemplateStage::Original)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if session::is_missing_stack(&e) => return Ok(None),
        Err(e) => {
            return Err(Error::aws(format!(
                "get the deployed template of stack {name}"
            ))(e))
        }
    };
    let body = out.template_body().unwrap_or_default();
    let parsed = serde_json::from_str(body)
        .or_else(|_| serde_yaml::from_str(body))
        .map_err(|e| Error::TemplateUnreadable {
            stack: name.to_owned(),
            message: e.to_string(),
        })?;
    Ok(Some(parsed))
}

/// Refuses to deploy into an environment without the staging bucket or with
/// an older bootstrap version than the assembly needs.
async fn check_bootstrap(cfn: &Client, s3: &aws_sdk_s3::Client, env: &Environment) -> Result<()> {
    let bucket = env.staging_bucket();
    if let Err(e) = s3.head_bucket().bucket(&bucket).send().await {
        let detail = session::error_message(&e);
        return Err(Error::NotBootstrapped {
            env: env.to_string(),
            bucket,
            detail: if detail.is_empty() {
                "not found".to_owned()
            } else {
                detail
            },
        });
    }
    let version = describe(cfn, TOOLKIT_STACK)
        .await?
        .and_then(|toolkit| toolkit.bootstrap_version());
    match version {
        Some(v) if v < constructs::REQUIRED_BOOTSTRAP_VERSION => Err(Error::OldBootstrap {
            env: env.to_string(),
            version: v,
            required: constructs::REQUIRED_BOOTSTRAP_VERSION,
        }),
        _ => Ok(()),
    }
}

/// Compares the assembly's template with the deployed one; `true` when the stack exists.
pub async fn diff(session: &Session, stack: &Stack) -> Result<(TemplateDiff, bool)> {
    let region = session.region_for(stack.region.as_deref())?;
    let cfn = session.cloudformation(Some(&region));
    let deployed = deployed_template(&cfn, &stack.stack_name).await?;
    let exists = deployed.is_some();
    Ok((
        diff_templates(&deployed.unwrap_or(Json::Null), &stack.template),
        exists,
    ))
}

/// The number of resources of a template (the progress counter's total).
fn resource_count(template: &Json) -> usize {
    template
        .get("Resources")
        .and_then(Json::as_object)
        .map_or(0, |r| r.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A stack with parameters, a retained resource and a construct path.
    pub fn stack() -> Stack {
        Stack {
            paths: [("Function".to_owned(), "Dev/Orders/Function".to_owned())].into(),
            ..Stack::for_test(
                "Dev-Orders",
                "Dev/Orders",
                json!({"Parameters": {"Mode": {"Type": "String"}, "Size": {"Type": "String"}},
                    "Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain"},
                                  "Queue": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Delete"}}}),
            )
        }
    }

    #[test]
    fn outputs() {
        assert_eq!(format_outputs("S", &[]), "");
        assert_eq!(
            format_outputs(
                "Dev-Api",
                &[("ApiUrl".into(), "https://x.execute-api/prod/".into())]
            ),
            "Outputs:\nDev-Api.ApiUrl = https://x.execute-api/prod/\n"
        );
    }
}
