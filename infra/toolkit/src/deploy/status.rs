//! Stack and resource statuses, parsed once from CloudFormation's strings into
//! the SDK's enums, and what they mean for a running operation.

pub use aws_sdk_cloudformation::types::{ResourceStatus, StackStatus};

/// What a stack or resource status says, whatever the operation
/// (`CREATE_`, `UPDATE_`, `DELETE_`, `IMPORT_`, …).
pub trait Phase {
    /// CloudFormation's spelling.
    fn text(&self) -> &str;

    /// Something is still running (`…_IN_PROGRESS`).
    fn is_in_progress(&self) -> bool {
        self.text().ends_with("_IN_PROGRESS")
    }

    /// The operation or its rollback ended (`…_COMPLETE`).
    fn is_complete(&self) -> bool {
        self.text().ends_with("_COMPLETE")
    }

    /// The operation or its rollback failed (`…_FAILED`).
    fn is_failed(&self) -> bool {
        self.text().ends_with("_FAILED")
    }

    /// A rollback is running or has ended.
    fn is_rollback(&self) -> bool {
        self.text().contains("ROLLBACK")
    }

    /// The status is final: nothing runs any more.
    fn is_final(&self) -> bool {
        !self.is_in_progress()
    }
}

impl Phase for StackStatus {
    fn text(&self) -> &str {
        self.as_str()
    }
}

impl Phase for ResourceStatus {
    fn text(&self) -> &str {
        self.as_str()
    }
}

/// Whether a final stack status means the operation succeeded.
pub fn is_success(status: &StackStatus) -> bool {
    matches!(
        status,
        StackStatus::CreateComplete
            | StackStatus::UpdateComplete
            | StackStatus::ImportComplete
            | StackStatus::DeleteComplete
    )
}

/// Stacks in these states were never created and hold no resources: a
/// deployment deletes them and starts afresh.
pub fn is_never_created(status: &StackStatus) -> bool {
    matches!(
        status,
        StackStatus::RollbackComplete | StackStatus::RollbackFailed | StackStatus::ReviewInProgress
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let s = StackStatus::from;
        assert!(s("UPDATE_ROLLBACK_COMPLETE").is_final());
        assert!(s("UPDATE_ROLLBACK_COMPLETE").is_rollback());
        assert!(!s("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS").is_final());
        assert!(s("UPDATE_COMPLETE").is_complete() && !s("UPDATE_COMPLETE").is_rollback());
        assert!(is_success(&s("UPDATE_COMPLETE")));
        assert!(!is_success(&s("ROLLBACK_COMPLETE")));
        assert!(is_never_created(&s("REVIEW_IN_PROGRESS")));
        // Stack-level events carry stack statuses the resource enum does not list.
        let r = ResourceStatus::from("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
        assert!(r.is_in_progress() && r.text() == "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
        assert!(ResourceStatus::CreateFailed.is_failed());
    }
}
