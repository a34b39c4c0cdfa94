//! Deploying, diffing and destroying one stack through CloudFormation change
//! sets, as the AWS CDK CLI does.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _};
use aws_sdk_cloudformation::types::{Capability, ChangeSetType, Parameter, Tag};
use aws_sdk_cloudformation::Client;
use serde_json::Value as Json;

use super::assembly::Stack;
use super::assets::{human_size, publish};
use super::changeset::{decide, render_summary, Decision, RequireApproval, ResourceChange};
use super::diff::{diff_templates, TemplateDiff};
use super::events::{self, first_failure, is_success, Event};
use super::session::{self, describe, error_message, Environment, Session, TOOLKIT_STACK};

/// The change set name (reused, like the CDK's `cdk-deploy-change-set`).
pub const CHANGE_SET_NAME: &str = "infra-deploy";

/// Largest template CloudFormation accepts inline; larger ones go through S3.
const MAX_INLINE_TEMPLATE: usize = 51_200;

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
    /// Whether a person can answer questions on stdin.
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
) -> anyhow::Result<Deployed> {
    let label = stack.label();
    let env = session
        .environment(stack.account.as_deref(), stack.region.as_deref())
        .await?;
    let cfn = session.cloudformation(Some(&env.region));
    let s3 = session.s3(Some(&env.region));
    let bucket = env.staging_bucket();
    check_bootstrap(&cfn, &s3, &env).await?;

    eprintln!("{label}: deploying to {env}");
    let published = publish(&s3, &bucket, dir, &stack.assets).await?;
    eprintln!(
        "{label}: assets: {} uploaded ({}), {} already published",
        published.uploaded.len(),
        human_size(published.bytes),
        published.present.len()
    );

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
    apply(&cfn, stack, opts, template_url).await
}

/// Creates and executes the change set of `stack` (assets already published).
pub async fn apply(
    cfn: &Client,
    stack: &Stack,
    opts: &DeployOptions,
    template_url: Option<String>,
) -> anyhow::Result<Deployed> {
    let cfn = cfn.clone();
    let label = stack.label();
    let name = &stack.stack_name;
    let mut existing = describe(&cfn, name).await?;
    if let Some(s) = &existing {
        if matches!(
            s.status.as_str(),
            "ROLLBACK_COMPLETE" | "ROLLBACK_FAILED" | "REVIEW_IN_PROGRESS"
        ) {
            // Stacks that were never created hold no resources: start afresh.
            eprintln!(
                "{label}: the stack is in {} (never created); deleting it before creating it",
                s.status
            );
            // Only the deletion's events: the failed attempt's were shown when it failed.
            let since = events::latest_event_id(&cfn, name).await;
            cfn.delete_stack()
                .stack_name(name)
                .send()
                .await
                .map_err(|e| anyhow::anyhow!(error_message(&e)))
                .with_context(|| format!("failed to delete stack {name}"))?;
            let outcome = events::watch(&cfn, name, since, 0, &|_| None, opts.poll).await?;
            let outcome = settle_deletion(&cfn, name, outcome, opts.poll).await?;
            if outcome.status != "DELETE_COMPLETE" {
                bail!(
                    "could not delete stack {name} ({}); delete it in the console and deploy again",
                    outcome.status
                );
            }
            existing = None;
        } else if s.status.ends_with("_IN_PROGRESS") && s.status != "REVIEW_IN_PROGRESS" {
            bail!(
                "stack {name} is busy ({}); wait until the running operation ends, then deploy again",
                s.status
            );
        }
    }
    let create = existing.is_none();
    let old_template = if create {
        Json::Null
    } else {
        deployed_template(&cfn, name).await?.unwrap_or(Json::Null)
    };
    let diff = diff_templates(&old_template, &stack.template);

    if existing.is_some() {
        // A change set left by an earlier --no-execute or interrupted run.
        let _ = cfn
            .delete_change_set()
            .stack_name(name)
            .change_set_name(CHANGE_SET_NAME)
            .send()
            .await;
    }
    let parameters = parameters(
        stack,
        opts,
        existing.as_ref().map(|s| s.parameters.as_slice()),
    );
    let mut tags = stack.tags.clone();
    tags.extend(opts.tags.iter().cloned());
    let mut request = cfn
        .create_change_set()
        .stack_name(name)
        .change_set_name(CHANGE_SET_NAME)
        .change_set_type(if create {
            ChangeSetType::Create
        } else {
            ChangeSetType::Update
        })
        .description(format!("infra deploy of {}", stack.display_name))
        .set_role_arn(opts.role_arn.clone())
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand)
        .set_parameters(Some(parameters))
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ));
    request = if stack.template_body.len() <= MAX_INLINE_TEMPLATE {
        request.template_body(&stack.template_body)
    } else {
        let url = template_url.with_context(|| {
            format!("the template of {name} is too large to send inline and has no template asset to upload")
        })?;
        request.template_url(url)
    };
    request
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(error_message(&e)))
        .with_context(|| format!("failed to create a change set for stack {name}"))?;

    let changes = match wait_for_change_set(&cfn, name, opts.poll).await? {
        Some(changes) if !changes.is_empty() => changes,
        _ => {
            let _ = cfn
                .delete_change_set()
                .stack_name(name)
                .change_set_name(CHANGE_SET_NAME)
                .send()
                .await;
            eprintln!("{label}: no changes");
            let outputs = describe(&cfn, name)
                .await?
                .map(|s| s.outputs)
                .unwrap_or_default();
            return Ok(Deployed::NoChanges(outputs));
        }
    };
    let path_of = |id: &str| stack.construct_path(id).map(str::to_owned);
    eprint!(
        "{}",
        render_summary(
            &label,
            if create { "CREATE" } else { "UPDATE" },
            &changes,
            &path_of
        )
    );
    let security = TemplateDiff {
        security: diff.security.clone(),
        ..TemplateDiff::default()
    };
    if !security.is_empty() {
        eprint!("{}", security.render(&path_of));
    }
    if !opts.execute {
        eprintln!(
            "{label}: change set '{CHANGE_SET_NAME}' created and not executed (--no-execute); review it in the console or execute it with: aws cloudformation execute-change-set --stack-name {name} --change-set-name {CHANGE_SET_NAME}"
        );
        return Ok(Deployed::NotExecuted);
    }
    match decide(opts.require_approval, name, &diff, true, opts.interactive) {
        Decision::Proceed => {}
        Decision::Ask(question) => {
            if !confirm(&question)? {
                discard(&cfn, name, create).await;
                bail!("deployment of {name} cancelled; the change set was deleted");
            }
        }
        Decision::Refuse(message) => {
            discard(&cfn, name, create).await;
            bail!("{message}");
        }
    }

    let since = events::latest_event_id(&cfn, name).await;
    let total = stack
        .template
        .get("Resources")
        .and_then(Json::as_object)
        .map_or(0, |r| r.len());
    if let Err(e) = cfn
        .execute_change_set()
        .stack_name(name)
        .change_set_name(CHANGE_SET_NAME)
        .send()
        .await
    {
        // Real CloudFormation reports resource failures as events, later; some
        // endpoints (moto) fail the ExecuteChangeSet call itself instead.
        let message = error_message(&e);
        let events = events::events_since(&cfn, name, since.as_deref())
            .await
            .unwrap_or_default();
        bail!(
            "{}",
            failure_message(stack, None, Some(&message), first_failure(&events), create)
        );
    }
    let outcome = events::watch(&cfn, name, since, total, &path_of, opts.poll).await?;
    if !is_success(&outcome.status) {
        bail!(
            "{}",
            failure_message(
                stack,
                Some(&outcome.status),
                outcome.status_reason.as_deref(),
                first_failure(&outcome.events),
                create
            )
        );
    }
    let described = describe(&cfn, name).await?.unwrap_or_default();
    if described.termination_protection != stack.termination_protection {
        if let Err(e) = cfn
            .update_termination_protection()
            .stack_name(name)
            .enable_termination_protection(stack.termination_protection)
            .send()
            .await
        {
            eprintln!(
                "{label}: warning: could not {} termination protection: {}",
                if stack.termination_protection {
                    "enable"
                } else {
                    "disable"
                },
                error_message(&e)
            );
        }
    }
    eprintln!("{label}: {} ✓", outcome.status);
    Ok(Deployed::Done(described.outputs))
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

/// The error message of a failed deployment: the first failed resource with
/// its construct path and reason, and what happened to the stack.
pub fn failure_message(
    stack: &Stack,
    status: Option<&str>,
    reason: Option<&str>,
    first: Option<&Event>,
    create: bool,
) -> String {
    let mut msg = format!("deployment of {} failed", stack.label());
    match first {
        Some(e) if e.logical_id != stack.stack_name => {
            msg.push_str(&format!(": {}", e.logical_id));
            if let Some(path) = stack.construct_path(&e.logical_id) {
                msg.push_str(&format!(" ({path})"));
            }
            msg.push_str(&format!(
                " {} {}: {}",
                e.resource_type,
                e.status,
                e.reason.as_deref().unwrap_or("no reason given")
            ));
        }
        _ => {
            if let Some(r) = reason.or(first.and_then(|e| e.reason.as_deref())) {
                msg.push_str(&format!(": {r}"));
            }
        }
    }
    let note = match status {
        Some("ROLLBACK_COMPLETE") => format!(
            "; the stack was rolled back (ROLLBACK_COMPLETE) and holds no resources: fix the cause and deploy again (the next deploy deletes and re-creates {})",
            stack.stack_name
        ),
        Some("UPDATE_ROLLBACK_COMPLETE") => {
            "; the stack was rolled back to its previous state (UPDATE_ROLLBACK_COMPLETE)".to_owned()
        }
        Some(s) if s.ends_with("ROLLBACK_FAILED") => format!(
            "; the rollback failed too ({s}): fix the resource, then run 'aws cloudformation continue-update-rollback --stack-name {}' or delete the stack",
            stack.stack_name
        ),
        Some(s) => format!("; the stack is {s}"),
        None if create => "; CloudFormation refused the change set, so nothing was created".to_owned(),
        None => "; CloudFormation refused the change set, so the stack is unchanged".to_owned(),
    };
    msg.push_str(&note);
    msg
}

/// Deletes the change set, and the empty stack (REVIEW_IN_PROGRESS) a CREATE change set made.
async fn discard(cfn: &Client, name: &str, create: bool) {
    let _ = cfn
        .delete_change_set()
        .stack_name(name)
        .change_set_name(CHANGE_SET_NAME)
        .send()
        .await;
    if create {
        let _ = cfn.delete_stack().stack_name(name).send().await;
    }
}

fn confirm(question: &str) -> anyhow::Result<bool> {
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Asks a yes/no question on the terminal; refuses without one.
pub fn confirm_on_terminal(question: &str, flag: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("refusing to continue without a terminal to confirm on; pass {flag} to proceed");
    }
    confirm(question)
}

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
    // As the CDK does: keep the deployed value of parameters not given now.
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

/// How long a change set may take to be computed. CloudFormation computes one in seconds
/// to a minute; a stack operation itself is not bounded (CloudFormation bounds it).
const CHANGE_SET_TIMEOUT: Duration = Duration::from_secs(600);

/// Polls the change set until it is ready; `None` when it is empty.
async fn wait_for_change_set(
    cfn: &Client,
    name: &str,
    poll: Duration,
) -> anyhow::Result<Option<Vec<ResourceChange>>> {
    let started = std::time::Instant::now();
    loop {
        let mut changes = Vec::new();
        let mut token: Option<String> = None;
        let mut status;
        loop {
            let out = cfn
                .describe_change_set()
                .stack_name(name)
                .change_set_name(CHANGE_SET_NAME)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| anyhow::anyhow!(error_message(&e)))
                .with_context(|| format!("failed to describe the change set of stack {name}"))?;
            status = out
                .status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default();
            if status == "FAILED" {
                let reason = out.status_reason().unwrap_or_default();
                if reason.contains("didn't contain changes")
                    || reason.contains("No updates are to be performed")
                {
                    return Ok(None);
                }
                bail!("CloudFormation could not create the change set for stack {name}: {reason}");
            }
            changes.extend(out.changes().iter().filter_map(ResourceChange::from_sdk));
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        if status == "CREATE_COMPLETE" {
            return Ok(Some(changes));
        }
        if started.elapsed() >= CHANGE_SET_TIMEOUT {
            bail!(
                "the change set of stack {name} is still {status} after {} s; look at it in the \
                 CloudFormation console, delete it (`{CHANGE_SET_NAME}`) and deploy again",
                CHANGE_SET_TIMEOUT.as_secs()
            );
        }
        tokio::time::sleep(poll).await;
    }
}

/// The deployed template of `name`, `None` when the stack does not exist.
pub async fn deployed_template(cfn: &Client, name: &str) -> anyhow::Result<Option<Json>> {
    let out = match cfn
        .get_template()
        .stack_name(name)
        .template_stage(aws_sdk_cloudformation::types::TemplateStage::Original)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if session::is_missing_stack(&e) => return Ok(None),
        Err(e) => {
            return Err(anyhow::anyhow!(error_message(&e)))
                .with_context(|| format!("failed to get the deployed template of stack {name}"))
        }
    };
    let body = out.template_body().unwrap_or_default();
    let parsed = serde_json::from_str(body)
        .or_else(|_| serde_yaml::from_str(body))
        .with_context(|| {
            format!("the deployed template of stack {name} is neither JSON nor YAML")
        })?;
    Ok(Some(parsed))
}

/// Refuses to deploy into an environment without the staging bucket or with
/// an older bootstrap version than the assembly needs.
async fn check_bootstrap(
    cfn: &Client,
    s3: &aws_sdk_s3::Client,
    env: &Environment,
) -> anyhow::Result<()> {
    let bucket = env.staging_bucket();
    if let Err(e) = s3.head_bucket().bucket(&bucket).send().await {
        let detail = error_message(&e);
        bail!(
            "{env} is not bootstrapped: the staging bucket '{bucket}' is not reachable ({}); run 'infra bootstrap' (or 'cdk bootstrap {env}')",
            if detail.is_empty() { "not found" } else { &detail }
        );
    }
    if let Some(toolkit) = describe(cfn, TOOLKIT_STACK).await? {
        let version = toolkit
            .outputs
            .iter()
            .find(|(k, _)| k == "BootstrapVersion")
            .and_then(|(_, v)| v.parse::<u32>().ok());
        if let Some(v) = version {
            if v < constructs::REQUIRED_BOOTSTRAP_VERSION {
                bail!(
                    "{env} is bootstrapped with version {v}, and this app needs version {} or later; run 'infra bootstrap' to upgrade it",
                    constructs::REQUIRED_BOOTSTRAP_VERSION
                );
            }
        }
    }
    Ok(())
}

/// A deletion that ended in `DELETE_FAILED` is final only if the stack is still
/// there a few polls later: the local engine reports `DELETE_FAILED` for the
/// resources a failed create never made, then removes the stack anyway.
async fn settle_deletion(
    cfn: &Client,
    name: &str,
    mut outcome: events::Outcome,
    poll: Duration,
) -> anyhow::Result<events::Outcome> {
    if outcome.status == "DELETE_FAILED" {
        for _ in 0..5 {
            tokio::time::sleep(poll).await;
            if describe(cfn, name).await?.is_none() {
                outcome.status = "DELETE_COMPLETE".to_owned();
                break;
            }
        }
    }
    Ok(outcome)
}

/// Compares the assembly's template with the deployed one.
pub async fn diff(session: &Session, stack: &Stack) -> anyhow::Result<(TemplateDiff, bool)> {
    let region = match stack.region.clone().or_else(|| session.region()) {
        Some(r) => r,
        None => bail!("no AWS region: pass --region or set AWS_REGION"),
    };
    let cfn = session.cloudformation(Some(&region));
    let deployed = deployed_template(&cfn, &stack.stack_name).await?;
    let exists = deployed.is_some();
    Ok((
        diff_templates(&deployed.unwrap_or(Json::Null), &stack.template),
        exists,
    ))
}

/// Resources of a template that CloudFormation keeps when the stack is deleted.
pub fn retained_resources(template: &Json) -> Vec<(String, String)> {
    template
        .get("Resources")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, r)| {
            matches!(
                r.get("DeletionPolicy").and_then(Json::as_str),
                Some("Retain" | "RetainExceptOnCreate" | "Snapshot")
            )
        })
        .map(|(id, r)| {
            (
                id.clone(),
                r.get("Type")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect()
}

/// Deletes one stack and waits until it is gone. `false` when it did not exist.
pub async fn destroy(session: &Session, stack: &Stack, poll: Duration) -> anyhow::Result<bool> {
    let label = stack.label();
    let region = match stack.region.clone().or_else(|| session.region()) {
        Some(r) => r,
        None => bail!("no AWS region: pass --region or set AWS_REGION"),
    };
    let cfn = session.cloudformation(Some(&region));
    let name = &stack.stack_name;
    let Some(deployed) = describe(&cfn, name).await? else {
        eprintln!("{label}: not deployed; nothing to destroy");
        return Ok(false);
    };
    if deployed.termination_protection {
        bail!(
            "stack {name} has termination protection; turn it off first: aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name {name}"
        );
    }
    let template = deployed_template(&cfn, name)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| stack.template.clone());
    let retained = retained_resources(&template);
    if !retained.is_empty() {
        eprintln!("{label}: these resources are retained (DeletionPolicy) and stay in the account after the stack is deleted:");
        for (id, ty) in &retained {
            let path = stack
                .construct_path(id)
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            eprintln!("  {id}{path} {ty}");
        }
    }
    let since = events::latest_event_id(&cfn, name).await;
    cfn.delete_stack()
        .stack_name(name)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(error_message(&e)))
        .with_context(|| format!("failed to delete stack {name}"))?;
    let path_of = |id: &str| stack.construct_path(id).map(str::to_owned);
    let total = template
        .get("Resources")
        .and_then(Json::as_object)
        .map_or(0, |r| r.len());
    let outcome = events::watch(&cfn, name, since, total, &path_of, poll).await?;
    let outcome = settle_deletion(&cfn, name, outcome, poll).await?;
    if outcome.status != "DELETE_COMPLETE" {
        let first = first_failure(&outcome.events);
        let what = first
            .map(|e| {
                format!(
                    "{} {}: {}",
                    e.logical_id,
                    e.status,
                    e.reason.as_deref().unwrap_or("no reason given")
                )
            })
            .or(outcome.status_reason.clone())
            .unwrap_or_default();
        bail!(
            "deleting stack {name} failed ({}): {what}; fix the resource (for example, empty a bucket) and run destroy again",
            outcome.status
        );
    }
    eprintln!("{label}: destroyed");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stack() -> Stack {
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
    fn failure_messages_name_the_resource_and_the_rollback() {
        let e = Event {
            id: "1".into(),
            time: "12:00:00".into(),
            logical_id: "Function".into(),
            resource_type: "AWS::Lambda::Function".into(),
            status: "CREATE_FAILED".into(),
            reason: Some("S3 Error Code: NoSuchKey".into()),
        };
        let m = failure_message(&stack(), Some("ROLLBACK_COMPLETE"), None, Some(&e), true);
        assert_eq!(m, "deployment of Dev/Orders (Dev-Orders) failed: Function (Dev/Orders/Function) AWS::Lambda::Function CREATE_FAILED: S3 Error Code: NoSuchKey; the stack was rolled back (ROLLBACK_COMPLETE) and holds no resources: fix the cause and deploy again (the next deploy deletes and re-creates Dev-Orders)");
        let m = failure_message(
            &stack(),
            Some("UPDATE_ROLLBACK_COMPLETE"),
            None,
            Some(&e),
            false,
        );
        assert!(
            m.ends_with("rolled back to its previous state (UPDATE_ROLLBACK_COMPLETE)"),
            "{m}"
        );
        let m = failure_message(
            &stack(),
            None,
            Some("InvalidParameterValue: bad name"),
            None,
            true,
        );
        assert_eq!(m, "deployment of Dev/Orders (Dev-Orders) failed: InvalidParameterValue: bad name; CloudFormation refused the change set, so nothing was created");
    }

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

    #[test]
    fn retained() {
        assert_eq!(
            retained_resources(&stack().template),
            [("Table".to_owned(), "AWS::DynamoDB::Table".to_owned())]
        );
    }
}
