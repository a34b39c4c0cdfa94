//! `infra deploy --hotswap`: when the only changes to a deployed stack are
//! function code and state machine definitions, make them through Lambda's
//! `UpdateFunctionCode` and Step Functions' `UpdateStateMachine` instead of a
//! change set (seconds instead of a minute), as the AWS CDK CLI does; else
//! deploy with a change set and say why.
//!
//! The stack then drifts from its template: CloudFormation still holds the
//! old code location and definition until a normal deployment.

pub mod plan;
pub mod resolve;

use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_lambda::types::LastUpdateStatus;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use self::plan::{plan, Hotswap, Plan};
use self::resolve::Resolver;
use super::assembly::Stack;
use super::assets::publish;
use super::poll;
use super::report::Reporter;
use super::session::{describe, Session, StackTarget};
use super::stack::{deploy as deploy_with_change_set, deployed_template, DeployOptions, Deployed};
use super::status::Phase as _;
use crate::error::{Error, Result};

/// How long a function may take to apply new code.
const UPDATE_TIMEOUT: Duration = Duration::from_secs(300);

/// What a hotswap deployment of one stack did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The code and definitions were updated directly: the logical IDs.
    Hotswapped(Vec<String>),
    /// Only metadata differed from the deployed template; nothing was changed.
    NothingToDo,
    /// Deployed with a change set instead (the reasons were reported).
    ChangeSet(Deployed),
}

/// A hotswap with every value resolved, ready to send.
enum Action {
    Code {
        logical_id: String,
        function: String,
        bucket: String,
        key: String,
    },
    Definition {
        logical_id: String,
        state_machine: String,
        definition: String,
    },
}

/// The warning reported after a hotswap (the AWS CDK CLI's, in substance).
pub const DRIFT_WARNING: &str = "warning: hotswap deliberately makes the stack drift from its template (CloudFormation still holds the old code and definitions); use it for development only, and run 'infra deploy' without --hotswap to reconcile the stack";

/// Deploys `stack` by hotswap when only code and definitions changed, else
/// with a change set (reporting, per change, why it is not hotswappable).
pub async fn deploy(
    session: &Session,
    dir: &Path,
    stack: &Stack,
    opts: &DeployOptions,
    report: &dyn Reporter,
) -> Result<Outcome> {
    let label = stack.label();
    let StackTarget { env, cfn, s3 } = session.stack_target(stack).await?;
    let name = &stack.stack_name;
    let deployed = match describe(&cfn, name).await? {
        Some(s) if s.status.is_complete() && !s.status.is_rollback() => {
            deployed_template(&cfn, name).await?
        }
        Some(s) => {
            return fallback(
                session,
                dir,
                stack,
                opts,
                &[format!("the stack is {}", s.status)],
                report,
            )
            .await
        }
        None => None,
    };
    let Some(deployed) = deployed else {
        return fallback(
            session,
            dir,
            stack,
            opts,
            &["the stack is not deployed yet".to_owned()],
            report,
        )
        .await;
    };
    let mut swaps = match plan(&deployed, &stack.template) {
        Plan::Fallback(reasons) => {
            return fallback(session, dir, stack, opts, &reasons, report).await
        }
        Plan::Hotswap(swaps) => swaps,
    };
    let resolver = resolver(&cfn, name, &env.account, &env.region).await?;
    let lambda = session.lambda(Some(&env.region));
    // Code hotswapped earlier and since reverted: the template did not change, the function did.
    swaps.extend(drifted_code(&lambda, &resolver, dir, stack, &swaps).await?);
    if swaps.is_empty() {
        report.line(&format!(
            "{label}: no hotswappable changes (only metadata differs, if anything); nothing to do"
        ));
        return Ok(Outcome::NothingToDo);
    }
    let actions = match actions(&resolver, &swaps) {
        Ok(actions) => actions,
        Err(reasons) => return fallback(session, dir, stack, opts, &reasons, report).await,
    };

    let published = publish(&s3, &env.staging_bucket(), dir, &stack.assets).await?;
    report.line(&format!(
        "{label}: hotswapping {} resource{} ({} asset{} uploaded)",
        actions.len(),
        if actions.len() == 1 { "" } else { "s" },
        published.uploaded.len(),
        if published.uploaded.len() == 1 {
            ""
        } else {
            "s"
        },
    ));
    let sfn = session.sfn(Some(&env.region));
    let mut done = Vec::new();
    for action in &actions {
        let started = Instant::now();
        let (id, what) = match action {
            Action::Code {
                logical_id,
                function,
                bucket,
                key,
            } => {
                update_code(
                    &lambda,
                    function,
                    bucket,
                    key,
                    opts.poll.min(Duration::from_millis(200)),
                )
                .await?;
                (logical_id, "code updated")
            }
            Action::Definition {
                logical_id,
                state_machine,
                definition,
            } => {
                sfn.update_state_machine()
                    .state_machine_arn(state_machine)
                    .definition(definition)
                    .send()
                    .await
                    .map_err(Error::aws(format!(
                        "update the definition of state machine {state_machine} ({logical_id})"
                    )))?;
                (logical_id, "definition updated")
            }
        };
        let path = stack
            .construct_path(id)
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        report.line(&format!(
            "{label}: {id}{path}: {what} in {:.1} s (hotswap)",
            started.elapsed().as_secs_f64()
        ));
        done.push(id.clone());
    }
    report.line(&format!("{label}: {DRIFT_WARNING}"));
    Ok(Outcome::Hotswapped(done))
}

/// Deploys with a change set after reporting why a hotswap was not possible.
async fn fallback(
    session: &Session,
    dir: &Path,
    stack: &Stack,
    opts: &DeployOptions,
    reasons: &[String],
    report: &dyn Reporter,
) -> Result<Outcome> {
    let label = stack.label();
    for reason in reasons {
        report.line(&format!(
            "{label}: {reason}: not hotswappable; deploying with a change set"
        ));
    }
    Ok(Outcome::ChangeSet(
        deploy_with_change_set(session, dir, stack, opts, report).await?,
    ))
}

/// The stack's deployed resources, with its account and region.
async fn resolver(
    cfn: &aws_sdk_cloudformation::Client,
    name: &str,
    account: &str,
    region: &str,
) -> Result<Resolver> {
    let out = cfn
        .describe_stack_resources()
        .stack_name(name)
        .send()
        .await
        .map_err(Error::aws(format!("list the resources of stack {name}")))?;
    let mut resolver = Resolver {
        account: account.to_owned(),
        region: region.to_owned(),
        stack_name: name.to_owned(),
        ..Resolver::default()
    };
    for r in out.stack_resources() {
        if let (Some(id), Some(kind), Some(physical)) = (
            r.logical_resource_id(),
            r.resource_type(),
            r.physical_resource_id(),
        ) {
            resolver
                .resources
                .insert(id.to_owned(), (kind.to_owned(), physical.to_owned()));
        }
        if let Some(stack_id) = r.stack_id() {
            resolver.stack_id = stack_id.to_owned();
        }
    }
    Ok(resolver)
}

/// Every hotswap resolved, or why some cannot be (each reason names the resource and the value).
fn actions(resolver: &Resolver, swaps: &[Hotswap]) -> Result<Vec<Action>, Vec<String>> {
    let mut actions = Vec::new();
    let mut reasons = Vec::new();
    for swap in swaps {
        let id = swap.logical_id();
        let physical = match resolver.resources.get(id) {
            Some((_, p)) => p.clone(),
            None => {
                reasons.push(format!("{id} is not a deployed resource of the stack"));
                continue;
            }
        };
        let action = match swap {
            Hotswap::FunctionCode { bucket, key, .. } => resolver
                .string(bucket)
                .and_then(|b| Ok((b, resolver.string(key)?)))
                .map(|(bucket, key)| Action::Code {
                    logical_id: id.to_owned(),
                    function: physical,
                    bucket,
                    key,
                })
                .map_err(|why| format!("{id}.Properties.Code: {why}")),
            Hotswap::Definition {
                definition,
                substitutions,
                ..
            } => resolver
                .definition(definition, substitutions.as_ref())
                .map(|definition| Action::Definition {
                    logical_id: id.to_owned(),
                    state_machine: physical,
                    definition,
                })
                .map_err(|why| format!("{id}.Properties.Definition: {why}")),
        };
        match action {
            Ok(a) => actions.push(a),
            Err(r) => reasons.push(r),
        }
    }
    if reasons.is_empty() {
        Ok(actions)
    } else {
        Err(reasons)
    }
}

/// The functions of `stack` not in `swaps` whose running code is not the
/// zip their template names (Lambda's `CodeSha256` against the zip's
/// SHA-256): after a hotswap whose source change was reverted, the template
/// equals the deployed one but the function still runs the hotswapped code.
async fn drifted_code(
    lambda: &aws_sdk_lambda::Client,
    resolver: &Resolver,
    dir: &Path,
    stack: &Stack,
    swaps: &[Hotswap],
) -> Result<Vec<Hotswap>> {
    let mut out = Vec::new();
    let resources = stack
        .template
        .get("Resources")
        .and_then(serde_json::Value::as_object);
    for (id, resource) in resources.into_iter().flatten() {
        if resource.get("Type").and_then(serde_json::Value::as_str) != Some("AWS::Lambda::Function")
            || swaps.iter().any(|s| s.logical_id() == id)
        {
            continue;
        }
        let code = resource.pointer("/Properties/Code");
        let (Some(bucket), Some(key)) = (
            code.and_then(|c| c.get("S3Bucket")),
            code.and_then(|c| c.get("S3Key")),
        ) else {
            continue;
        };
        let (Ok(object_key), Some((_, function))) =
            (resolver.string(key), resolver.resources.get(id))
        else {
            continue;
        };
        let Some(asset) = stack.assets.iter().find(|a| a.object_key == object_key) else {
            continue;
        };
        let Ok(bytes) = std::fs::read(dir.join(&asset.source_path)) else {
            continue;
        };
        let local = STANDARD.encode(Sha256::digest(&bytes));
        let running = lambda
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(Error::aws(format!(
                "read the configuration of function {function}"
            )))?;
        if running.code_sha256() != Some(local.as_str()) {
            out.push(Hotswap::FunctionCode {
                logical_id: id.clone(),
                bucket: bucket.clone(),
                key: key.clone(),
            });
        }
    }
    Ok(out)
}

/// `UpdateFunctionCode`, then waits until the function's `LastUpdateStatus`
/// is `Successful`.
async fn update_code(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    bucket: &str,
    key: &str,
    interval: Duration,
) -> Result<()> {
    lambda
        .update_function_code()
        .function_name(function)
        .s3_bucket(bucket)
        .s3_key(key)
        .send()
        .await
        .map_err(Error::aws(format!(
            "update the code of function {function} (s3://{bucket}/{key})"
        )))?;
    poll::until(interval, async |elapsed| {
        let config = lambda
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .map_err(Error::aws(format!("read the state of function {function}")))?;
        match config.last_update_status() {
            None | Some(LastUpdateStatus::Successful) => Ok(Some(())),
            Some(LastUpdateStatus::Failed) => Err(Error::CodeRejected {
                function: function.to_owned(),
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                reason: config
                    .last_update_status_reason()
                    .unwrap_or("no reason given")
                    .to_owned(),
            }),
            Some(_) if elapsed > UPDATE_TIMEOUT => Err(Error::CodeUpdateTimeout {
                function: function.to_owned(),
                seconds: UPDATE_TIMEOUT.as_secs(),
            }),
            Some(_) => Ok(None),
        }
    })
    .await
}
