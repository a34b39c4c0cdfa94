//! Stack events: reading `DescribeStackEvents` while a stack operation runs,
//! the line each new event is reported as (with a progress counter), and the
//! first failure when the operation ends badly.

use aws_sdk_cloudformation::types::StackEvent;
use aws_sdk_cloudformation::Client;

use super::status::{Phase as _, ResourceStatus};
use crate::error::{Error, Result};

/// One stack event, reduced to what is printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event id (to know which events were already seen).
    pub id: String,
    /// `HH:MM:SS` (UTC).
    pub time: String,
    /// The logical ID (the stack name for stack-level events).
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// `CREATE_IN_PROGRESS`, `CREATE_FAILED`, … (a stack status for the stack's own events).
    pub status: ResourceStatus,
    /// Why, when CloudFormation says.
    pub reason: Option<String>,
}

impl Event {
    /// Reduces an SDK event.
    pub fn from_sdk(e: &StackEvent) -> Event {
        let time = e
            .timestamp()
            .map(|t| {
                let secs = t.secs().rem_euclid(86_400);
                format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
            })
            .unwrap_or_else(|| "--:--:--".to_owned());
        Event {
            id: e.event_id().unwrap_or_default().to_owned(),
            time,
            logical_id: e.logical_resource_id().unwrap_or_default().to_owned(),
            resource_type: e.resource_type().unwrap_or_default().to_owned(),
            status: e
                .resource_status()
                .cloned()
                .unwrap_or_else(|| ResourceStatus::from("")),
            reason: e.resource_status_reason().map(str::to_owned),
        }
    }

    fn is_stack(&self) -> bool {
        self.resource_type == "AWS::CloudFormation::Stack"
    }
}

/// Counts finished resources for the `[done/total]` prefix.
#[derive(Debug, Clone)]
pub struct Progress {
    total: usize,
    done: Vec<String>,
}

impl Progress {
    /// Progress over `total` resources.
    pub fn new(total: usize) -> Progress {
        Progress {
            total,
            done: Vec::new(),
        }
    }

    /// Records an event; resource events ending in `_COMPLETE` or `_FAILED` count once.
    pub fn record(&mut self, e: &Event) {
        let finished = e.status.is_complete() || e.status.is_failed();
        if finished && !e.is_stack() && !self.done.contains(&e.logical_id) {
            self.done.push(e.logical_id.clone());
        }
    }

    /// `[ 3/7]`.
    pub fn prefix(&self) -> String {
        let width = self.total.to_string().len();
        format!(
            "[{:>width$}/{}]",
            self.done.len().min(self.total),
            self.total
        )
    }
}

/// One printed line: `Dev-Orders | [1/4] | 12:00:01 | CREATE_COMPLETE | AWS::SQS::Queue | Queue (Dev/Orders/Queue) reason`.
pub fn format_event(
    stack: &str,
    progress: &Progress,
    e: &Event,
    path_of: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut line = format!(
        "{stack} | {} | {} | {:<20} | {:<28} | {}",
        progress.prefix(),
        e.time,
        e.status.as_str(),
        e.resource_type,
        e.logical_id
    );
    if let Some(path) = path_of(&e.logical_id) {
        line.push_str(&format!(" ({path})"));
    }
    if let Some(reason) = &e.reason {
        if e.status.is_failed() || e.status.is_rollback() {
            line.push_str(&format!(" {reason}"));
        }
    }
    line
}

/// The first failure among `events` (oldest first): a resource that failed for
/// its own reason, not one cancelled because another failed; else the stack's.
pub fn first_failure(events: &[Event]) -> Option<&Event> {
    let failed = |e: &&Event| e.status.is_failed();
    let cancelled = |e: &&Event| {
        e.reason
            .as_deref()
            .is_some_and(|r| r.contains("cancelled") || r.contains("canceled"))
    };
    events
        .iter()
        .filter(failed)
        .find(|e| !e.is_stack() && !cancelled(e))
        .or_else(|| events.iter().filter(failed).find(|e| !e.is_stack()))
        .or_else(|| events.iter().find(failed))
        .or_else(|| {
            events
                .iter()
                .find(|e| e.is_stack() && e.status.is_rollback() && e.status.is_in_progress())
        })
}

/// The id of the newest event of a stack (to print only what comes after it).
pub async fn latest_event_id(cfn: &Client, stack: &str) -> Option<String> {
    let out = cfn
        .describe_stack_events()
        .stack_name(stack)
        .send()
        .await
        .ok()?;
    out.stack_events()
        .first()
        .and_then(|e| e.event_id().map(str::to_owned))
}

/// Events newer than `since` (exclusive), oldest first.
pub async fn events_since(cfn: &Client, stack: &str, since: Option<&str>) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    let mut pages = cfn
        .describe_stack_events()
        .stack_name(stack)
        .into_paginator()
        .send();
    'pages: while let Some(page) = pages.next().await {
        let page = page.map_err(Error::aws(format!("read the events of stack {stack}")))?;
        for e in page.stack_events() {
            if since.is_some() && e.event_id() == since {
                break 'pages;
            }
            out.push(Event::from_sdk(e));
        }
        if since.is_none() {
            break;
        }
    }
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: &str, status: &str, ty: &str, reason: Option<&str>) -> Event {
        Event {
            id: format!("{id}-{status}"),
            time: "12:00:00".into(),
            logical_id: id.into(),
            resource_type: ty.into(),
            status: status.into(),
            reason: reason.map(str::to_owned),
        }
    }

    /// A real CloudFormation rollback, which moto does not emulate (it emits
    /// only stack-level events and fails ExecuteChangeSet synchronously).
    fn rollback() -> Vec<Event> {
        vec![
            ev("Dev-Orders", "CREATE_IN_PROGRESS", "AWS::CloudFormation::Stack", Some("User Initiated")),
            ev("Table", "CREATE_IN_PROGRESS", "AWS::DynamoDB::Table", None),
            ev("Function", "CREATE_IN_PROGRESS", "AWS::Lambda::Function", None),
            ev("Function", "CREATE_FAILED", "AWS::Lambda::Function", Some("Resource handler returned message: \"Error occurred while GetObject. S3 Error Code: NoSuchKey\"")),
            ev("Table", "CREATE_FAILED", "AWS::DynamoDB::Table", Some("Resource creation cancelled")),
            ev("Dev-Orders", "ROLLBACK_IN_PROGRESS", "AWS::CloudFormation::Stack", Some("The following resource(s) failed to create: [Function, Table].")),
            ev("Table", "DELETE_COMPLETE", "AWS::DynamoDB::Table", None),
            ev("Dev-Orders", "ROLLBACK_COMPLETE", "AWS::CloudFormation::Stack", None),
        ]
    }

    #[test]
    fn first_failure_skips_cancelled_resources() {
        let events = rollback();
        let f = first_failure(&events).unwrap();
        assert_eq!(f.logical_id, "Function");
        assert!(f.reason.as_deref().unwrap().contains("NoSuchKey"));
        let stack_only = vec![ev(
            "S",
            "ROLLBACK_IN_PROGRESS",
            "AWS::CloudFormation::Stack",
            Some("x"),
        )];
        assert_eq!(first_failure(&stack_only).unwrap().logical_id, "S");
        assert!(first_failure(&events[..3]).is_none());
    }

    #[test]
    fn progress_and_lines() {
        let mut p = Progress::new(2);
        let path = |id: &str| (id == "Function").then(|| "Dev/Orders/Function".to_owned());
        let mut lines = Vec::new();
        for e in rollback() {
            p.record(&e);
            lines.push(format_event("Dev-Orders", &p, &e, &path));
        }
        assert_eq!(lines[2], "Dev-Orders | [0/2] | 12:00:00 | CREATE_IN_PROGRESS   | AWS::Lambda::Function        | Function (Dev/Orders/Function)");
        assert!(
            lines[3].starts_with("Dev-Orders | [1/2] | 12:00:00 | CREATE_FAILED "),
            "{}",
            lines[3]
        );
        assert!(
            lines[3].ends_with("S3 Error Code: NoSuchKey\""),
            "{}",
            lines[3]
        );
        assert!(lines[7].starts_with("Dev-Orders | [2/2] | 12:00:00 | ROLLBACK_COMPLETE"));
    }

    #[test]
    fn sdk_events_are_reduced() {
        use aws_sdk_cloudformation::primitives::DateTime;
        use aws_sdk_cloudformation::types::ResourceStatus;
        let e = StackEvent::builder()
            .event_id("1")
            .stack_id("arn")
            .stack_name("S")
            .timestamp(DateTime::from_secs(1_700_000_000))
            .logical_resource_id("Q")
            .resource_type("AWS::SQS::Queue")
            .resource_status(ResourceStatus::CreateFailed)
            .resource_status_reason("boom")
            .build();
        let e = Event::from_sdk(&e);
        assert_eq!(
            (e.time.as_str(), e.status.text(), e.reason.as_deref()),
            ("22:13:20", "CREATE_FAILED", Some("boom"))
        );
    }
}
