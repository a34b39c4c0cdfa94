//! Deleting a stack: refused under termination protection, retained
//! resources reported first, then the deletion followed to its end.

use std::time::Duration;

use serde_json::Value as Json;

use super::wait::Watch;
use super::{deployed_template, resource_count};
use crate::deploy::assembly::Stack;
use crate::deploy::events::first_failure;
use crate::deploy::report::Reporter;
use crate::deploy::session::{describe, Session};
use crate::deploy::status::StackStatus;
use crate::error::{Error, Result};

/// Deletes one stack and waits until it is gone. `false` when it did not exist.
pub async fn destroy(
    session: &Session,
    stack: &Stack,
    poll: Duration,
    report: &dyn Reporter,
) -> Result<bool> {
    let label = stack.label();
    let region = session.region_for(stack.region.as_deref())?;
    let cfn = session.cloudformation(Some(&region));
    let name = &stack.stack_name;
    let Some(deployed) = describe(&cfn, name).await? else {
        report.line(&format!("{label}: not deployed; nothing to destroy"));
        return Ok(false);
    };
    if deployed.termination_protection {
        return Err(Error::TerminationProtected {
            stack: name.clone(),
        });
    }
    // What is deployed decides what stays; the assembly's template when it cannot be read.
    let template = deployed_template(&cfn, name)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| stack.template.clone());
    let retained = retained_resources(&template);
    if !retained.is_empty() {
        report.line(&format!("{label}: these resources are retained (DeletionPolicy) and stay in the account after the stack is deleted:"));
        for (id, ty) in &retained {
            let path = stack
                .construct_path(id)
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            report.line(&format!("  {id}{path} {ty}"));
        }
    }
    let path_of = |id: &str| stack.construct_path(id).map(str::to_owned);
    let watch = Watch {
        cfn: &cfn,
        stack: name,
        total: resource_count(&template),
        path_of: &path_of,
        poll,
        report,
    };
    let outcome = watch.delete().await?;
    if outcome.status != StackStatus::DeleteComplete {
        let what = first_failure(&outcome.events)
            .map(|e| {
                format!(
                    "{} {}: {}",
                    e.logical_id,
                    e.status,
                    e.reason.as_deref().unwrap_or("no reason given")
                )
            })
            .or(outcome.status_reason)
            .unwrap_or_default();
        return Err(Error::DeleteFailed {
            stack: name.clone(),
            status: outcome.status,
            what,
        });
    }
    report.line(&format!("{label}: destroyed"));
    Ok(true)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::stack::tests::stack;

    #[test]
    fn retained() {
        assert_eq!(
            retained_resources(&stack().template),
            [("Table".to_owned(), "AWS::DynamoDB::Table".to_owned())]
        );
    }
}
