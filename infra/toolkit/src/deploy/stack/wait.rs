//! Following a stack operation to its end: new events reported as they come,
//! and deletions (which the stack's disappearance ends).

use std::time::Duration;

use aws_sdk_cloudformation::Client;

use crate::deploy::events::{self, format_event, Event, Progress};
use crate::deploy::poll;
use crate::deploy::report::Reporter;
use crate::deploy::session::describe;
use crate::deploy::status::{Phase as _, StackStatus};
use crate::error::{Error, Result};

/// How many polls a `DELETE_FAILED` deletion gets to turn out complete.
const DELETION_SETTLE_POLLS: u32 = 5;

/// The outcome of a stack operation.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The final stack status (`DELETE_COMPLETE` when the stack is gone).
    pub status: StackStatus,
    /// The stack's status reason.
    pub status_reason: Option<String>,
    /// Every event of the operation, oldest first.
    pub events: Vec<Event>,
}

/// What a stack operation reports: where, how many resources, and their construct paths.
pub struct Watch<'a> {
    /// The CloudFormation client.
    pub cfn: &'a Client,
    /// The stack name.
    pub stack: &'a str,
    /// The number of resources, for the progress counter.
    pub total: usize,
    /// The construct path of a logical ID.
    pub path_of: &'a dyn Fn(&str) -> Option<String>,
    /// Time between polls.
    pub poll: Duration,
    /// Where event lines go.
    pub report: &'a dyn Reporter,
}

impl Watch<'_> {
    /// The newest event's id, before an operation starts (to report only its events).
    pub async fn mark(&self) -> Option<String> {
        events::latest_event_id(self.cfn, self.stack).await
    }

    /// Polls the stack until its status is final, reporting each event after `since`.
    pub async fn until_final(&self, since: Option<String>) -> Result<Outcome> {
        let mut progress = Progress::new(self.total);
        let mut seen: Vec<Event> = Vec::new();
        let mut last = since;
        poll::until(self.poll, async |_| {
            let (status, reason) = match describe(self.cfn, self.stack).await? {
                Some(s) => (s.status, s.reason),
                None => (StackStatus::DeleteComplete, None),
            };
            if status != StackStatus::DeleteComplete || !seen.is_empty() || last.is_some() {
                // Events are progress only: a failed read is retried at the next poll.
                if let Ok(new) = events::events_since(self.cfn, self.stack, last.as_deref()).await {
                    for e in new {
                        progress.record(&e);
                        self.report
                            .line(&format_event(self.stack, &progress, &e, self.path_of));
                        last = Some(e.id.clone());
                        seen.push(e);
                    }
                }
            }
            Ok(status.is_final().then(|| Outcome {
                status,
                status_reason: reason,
                events: std::mem::take(&mut seen),
            }))
        })
        .await
    }

    /// Deletes the stack and follows the deletion to its end.
    pub async fn delete(&self) -> Result<Outcome> {
        let since = self.mark().await;
        self.cfn
            .delete_stack()
            .stack_name(self.stack)
            .send()
            .await
            .map_err(Error::aws(format!("delete stack {}", self.stack)))?;
        let outcome = self.until_final(since).await?;
        self.settle_deletion(outcome).await
    }

    /// A deletion that ended in `DELETE_FAILED` is final only if the stack is
    /// still there a few polls later: the local engine reports `DELETE_FAILED`
    /// for the resources a failed create never made, then removes the stack anyway.
    async fn settle_deletion(&self, mut outcome: Outcome) -> Result<Outcome> {
        if outcome.status != StackStatus::DeleteFailed {
            return Ok(outcome);
        }
        let mut polls = 0;
        let gone = poll::until(self.poll, async |_| {
            if polls > 0 && describe(self.cfn, self.stack).await?.is_none() {
                return Ok(Some(true));
            }
            polls += 1;
            Ok((polls > DELETION_SETTLE_POLLS).then_some(false))
        })
        .await?;
        if gone {
            outcome.status = StackStatus::DeleteComplete;
        }
        Ok(outcome)
    }
}
