//! Stack events: polling `DescribeStackEvents` while a stack operation runs,
//! printing each new event with a progress counter, and finding the first
//! failure when it ends badly.

use std::time::Duration;

use anyhow::Context as _;
use aws_sdk_cloudformation::types::StackEvent;
use aws_sdk_cloudformation::Client;

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
    /// `CREATE_IN_PROGRESS`, `CREATE_FAILED`, …
    pub status: String,
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
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
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
        let finished = e.status.ends_with("_COMPLETE") || e.status.ends_with("_FAILED");
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
        e.status,
        e.resource_type,
        e.logical_id
    );
    if let Some(path) = path_of(&e.logical_id) {
        line.push_str(&format!(" ({path})"));
    }
    if let Some(reason) = &e.reason {
        if e.status.ends_with("_FAILED") || e.status.contains("ROLLBACK") {
            line.push_str(&format!(" {reason}"));
        }
    }
    line
}

/// The first failure among `events` (oldest first): a resource that failed for
/// its own reason, not one cancelled because another failed; else the stack's.
pub fn first_failure(events: &[Event]) -> Option<&Event> {
    let failed = |e: &&Event| e.status.ends_with("_FAILED");
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
                .find(|e| e.is_stack() && e.status.contains("ROLLBACK_IN_PROGRESS"))
        })
}

/// Whether a stack status is final (nothing in progress).
pub fn is_terminal(status: &str) -> bool {
    !status.ends_with("_IN_PROGRESS")
}

/// Whether a final status means the operation succeeded.
pub fn is_success(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" | "DELETE_COMPLETE"
    )
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
pub async fn events_since(
    cfn: &Client,
    stack: &str,
    since: Option<&str>,
) -> anyhow::Result<Vec<Event>> {
    let mut out = Vec::new();
    let mut pages = cfn
        .describe_stack_events()
        .stack_name(stack)
        .into_paginator()
        .send();
    'pages: while let Some(page) = pages.next().await {
        let page = page.with_context(|| format!("failed to read the events of stack {stack}"))?;
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

/// The outcome of watching a stack operation.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The final stack status (`DELETE_COMPLETE` when the stack is gone).
    pub status: String,
    /// The stack's status reason.
    pub status_reason: Option<String>,
    /// Every event of the operation, oldest first.
    pub events: Vec<Event>,
}

/// Polls the stack until its status is final, printing new events to stderr.
pub async fn watch(
    cfn: &Client,
    stack: &str,
    since: Option<String>,
    total_resources: usize,
    path_of: &dyn Fn(&str) -> Option<String>,
    poll: Duration,
) -> anyhow::Result<Outcome> {
    let mut progress = Progress::new(total_resources);
    let mut seen: Vec<Event> = Vec::new();
    let mut last = since;
    loop {
        let described = cfn.describe_stacks().stack_name(stack).send().await;
        let (status, reason) = match described {
            Ok(out) => match out.stacks().first() {
                Some(s) => (
                    s.stack_status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                    s.stack_status_reason().map(str::to_owned),
                ),
                None => ("DELETE_COMPLETE".to_owned(), None),
            },
            Err(e) if super::session::is_missing_stack(&e) => ("DELETE_COMPLETE".to_owned(), None),
            Err(e) => {
                return Err(anyhow::Error::new(e))
                    .with_context(|| format!("failed to describe stack {stack}"))
            }
        };
        if status != "DELETE_COMPLETE" || !seen.is_empty() || last.is_some() {
            if let Ok(new) = events_since(cfn, stack, last.as_deref()).await {
                for e in new {
                    progress.record(&e);
                    eprintln!("{}", format_event(stack, &progress, &e, path_of));
                    last = Some(e.id.clone());
                    seen.push(e);
                }
            }
        }
        if is_terminal(&status) {
            return Ok(Outcome {
                status,
                status_reason: reason,
                events: seen,
            });
        }
        tokio::time::sleep(poll).await;
    }
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
    fn statuses() {
        assert!(is_terminal("UPDATE_ROLLBACK_COMPLETE"));
        assert!(!is_terminal("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"));
        assert!(is_success("UPDATE_COMPLETE"));
        assert!(!is_success("ROLLBACK_COMPLETE"));
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
            (e.time.as_str(), e.status.as_str(), e.reason.as_deref()),
            ("22:13:20", "CREATE_FAILED", Some("boom"))
        );
    }
}
