//! Applying a stack's template through a change set, phase by phase: clear a
//! stack that was never created, create and show the change set, get
//! approval, execute it and follow the stack's events, then settle
//! termination protection.

use aws_sdk_cloudformation::Client;
use serde_json::Value as Json;

use super::wait::{Outcome, Watch};
use super::{change_set, deployed_template, resource_count, DeployOptions, Deployed};
use crate::deploy::assembly::Stack;
use crate::deploy::changeset::{decide, render_summary, Decision, ResourceChange};
use crate::deploy::diff::{diff_templates, TemplateDiff};
use crate::deploy::events::{self, first_failure, Event};
use crate::deploy::report::Reporter;
use crate::deploy::session::{describe, error_message, DeployedStack};
use crate::deploy::status::{is_never_created, is_success, Phase as _, StackStatus};
use crate::error::{Error, Result};

/// Creates and executes the change set of `stack` (assets already published).
pub async fn apply(
    cfn: &Client,
    stack: &Stack,
    opts: &DeployOptions,
    template_url: Option<String>,
    report: &dyn Reporter,
) -> Result<Deployed> {
    let label = stack.label();
    let name = &stack.stack_name;
    let existing = clear_never_created(cfn, stack, opts, report).await?;
    let create = existing.is_none();
    let old_template = if create {
        Json::Null
    } else {
        deployed_template(cfn, name).await?.unwrap_or(Json::Null)
    };
    let diff = diff_templates(&old_template, &stack.template);
    if !create {
        change_set::delete(cfn, name).await;
    }
    let deployed_parameters = existing.as_ref().map(|s| s.parameters.as_slice());
    change_set::create(cfn, stack, opts, deployed_parameters, template_url).await?;
    let changes = change_set::wait_for(cfn, name, opts.poll).await?;
    let Some(changes) = changes.filter(|c| !c.is_empty()) else {
        change_set::delete(cfn, name).await;
        report.line(&format!("{label}: no changes"));
        let outputs = describe(cfn, name)
            .await?
            .map(|s| s.outputs)
            .unwrap_or_default();
        return Ok(Deployed::NoChanges(outputs));
    };
    show(stack, create, &changes, &diff, report);
    if !opts.execute {
        report.line(&format!(
            "{label}: change set '{}' created and not executed (--no-execute); review it in the console or execute it with: aws cloudformation execute-change-set --stack-name {name} --change-set-name {}",
            change_set::CHANGE_SET_NAME, change_set::CHANGE_SET_NAME
        ));
        return Ok(Deployed::NotExecuted);
    }
    approve(cfn, stack, opts, &diff, create, report).await?;
    let outcome = execute(cfn, stack, opts, create, report).await?;
    finish(cfn, stack, &outcome, report).await
}

/// The stack as deployed, `None` when it must be created; a stack that was
/// never created (a failed first deployment) is deleted first.
async fn clear_never_created(
    cfn: &Client,
    stack: &Stack,
    opts: &DeployOptions,
    report: &dyn Reporter,
) -> Result<Option<DeployedStack>> {
    let name = &stack.stack_name;
    let Some(existing) = describe(cfn, name).await? else {
        return Ok(None);
    };
    if is_never_created(&existing.status) {
        report.line(&format!(
            "{}: the stack is in {} (never created); deleting it before creating it",
            stack.label(),
            existing.status
        ));
        // Only the deletion's events: the failed attempt's were shown when it failed.
        let watch = Watch {
            cfn,
            stack: name,
            total: 0,
            path_of: &|_| None,
            poll: opts.poll,
            report,
        };
        let outcome = watch.delete().await?;
        if outcome.status != StackStatus::DeleteComplete {
            return Err(Error::NotRecreated {
                stack: name.clone(),
                status: outcome.status,
            });
        }
        return Ok(None);
    }
    if existing.status.is_in_progress() {
        return Err(Error::StackBusy {
            stack: name.clone(),
            status: existing.status,
        });
    }
    Ok(Some(existing))
}

/// Reports the change set's summary and the security changes of the template.
fn show(
    stack: &Stack,
    create: bool,
    changes: &[ResourceChange],
    diff: &TemplateDiff,
    report: &dyn Reporter,
) {
    let path_of = |id: &str| stack.construct_path(id).map(str::to_owned);
    let kind = if create { "CREATE" } else { "UPDATE" };
    report.text(&render_summary(&stack.label(), kind, changes, &path_of));
    let security = TemplateDiff {
        security: diff.security.clone(),
        ..TemplateDiff::default()
    };
    if !security.is_empty() {
        report.text(&security.render(&path_of));
    }
}

/// Asks for approval when the options and the changes call for it; a refusal
/// deletes the change set (and the empty stack a CREATE change set made).
async fn approve(
    cfn: &Client,
    stack: &Stack,
    opts: &DeployOptions,
    diff: &TemplateDiff,
    create: bool,
    report: &dyn Reporter,
) -> Result<()> {
    let name = &stack.stack_name;
    let refusal = match decide(opts.require_approval, name, diff, true, opts.interactive) {
        Decision::Proceed => return Ok(()),
        Decision::Ask(question) => {
            if report.confirm(&question).map_err(Error::Prompt)? {
                return Ok(());
            }
            Error::Cancelled {
                stack: name.clone(),
            }
        }
        Decision::Refuse(message) => Error::NotApproved(message),
    };
    change_set::discard(cfn, name, create).await;
    Err(refusal)
}

/// Executes the change set and follows the stack's events to a successful end.
async fn execute(
    cfn: &Client,
    stack: &Stack,
    opts: &DeployOptions,
    create: bool,
    report: &dyn Reporter,
) -> Result<Outcome> {
    let name = &stack.stack_name;
    let path_of = |id: &str| stack.construct_path(id).map(str::to_owned);
    let watch = Watch {
        cfn,
        stack: name,
        total: resource_count(&stack.template),
        path_of: &path_of,
        poll: opts.poll,
        report,
    };
    let since = watch.mark().await;
    if let Err(e) = cfn
        .execute_change_set()
        .stack_name(name)
        .change_set_name(change_set::CHANGE_SET_NAME)
        .send()
        .await
    {
        // Real CloudFormation reports resource failures as events, later; some
        // endpoints (moto) fail the ExecuteChangeSet call itself instead.
        let message = error_message(&e);
        let events = events::events_since(cfn, name, since.as_deref())
            .await
            .unwrap_or_default();
        let first = first_failure(&events);
        return Err(Error::DeploymentFailed(failure_message(
            stack,
            None,
            Some(&message),
            first,
            create,
        )));
    }
    let outcome = watch.until_final(since).await?;
    if !is_success(&outcome.status) {
        return Err(Error::DeploymentFailed(failure_message(
            stack,
            Some(&outcome.status),
            outcome.status_reason.as_deref(),
            first_failure(&outcome.events),
            create,
        )));
    }
    Ok(outcome)
}

/// Sets termination protection as the app asks (a warning when it cannot)
/// and returns the stack's outputs.
async fn finish(
    cfn: &Client,
    stack: &Stack,
    outcome: &Outcome,
    report: &dyn Reporter,
) -> Result<Deployed> {
    let label = stack.label();
    let name = &stack.stack_name;
    let described = describe(cfn, name).await?;
    let protected = described.as_ref().is_some_and(|s| s.termination_protection);
    if protected != stack.termination_protection {
        if let Err(e) = cfn
            .update_termination_protection()
            .stack_name(name)
            .enable_termination_protection(stack.termination_protection)
            .send()
            .await
        {
            report.line(&format!(
                "{label}: warning: could not {} termination protection: {}",
                if stack.termination_protection {
                    "enable"
                } else {
                    "disable"
                },
                error_message(&e)
            ));
        }
    }
    report.line(&format!("{label}: {} ✓", outcome.status));
    Ok(Deployed::Done(
        described.map(|s| s.outputs).unwrap_or_default(),
    ))
}

/// The error message of a failed deployment: the first failed resource with
/// its construct path and reason, and what happened to the stack.
pub fn failure_message(
    stack: &Stack,
    status: Option<&StackStatus>,
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
        Some(StackStatus::RollbackComplete) => format!(
            "; the stack was rolled back (ROLLBACK_COMPLETE) and holds no resources: fix the cause and deploy again (the next deploy deletes and re-creates {})",
            stack.stack_name
        ),
        Some(StackStatus::UpdateRollbackComplete) => {
            "; the stack was rolled back to its previous state (UPDATE_ROLLBACK_COMPLETE)".to_owned()
        }
        Some(s) if s.is_rollback() && s.is_failed() => format!(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::stack::tests::stack;

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
        let m = failure_message(
            &stack(),
            Some(&StackStatus::RollbackComplete),
            None,
            Some(&e),
            true,
        );
        assert_eq!(m, "deployment of Dev/Orders (Dev-Orders) failed: Function (Dev/Orders/Function) AWS::Lambda::Function CREATE_FAILED: S3 Error Code: NoSuchKey; the stack was rolled back (ROLLBACK_COMPLETE) and holds no resources: fix the cause and deploy again (the next deploy deletes and re-creates Dev-Orders)");
        let m = failure_message(
            &stack(),
            Some(&StackStatus::UpdateRollbackComplete),
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
            Some(&StackStatus::UpdateRollbackFailed),
            None,
            Some(&e),
            false,
        );
        assert!(
            m.contains("; the rollback failed too (UPDATE_ROLLBACK_FAILED)"),
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
}
