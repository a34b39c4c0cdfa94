//! Checkov checks a resource deliberately does not meet, skipped in that
//! resource's own metadata (`Metadata.checkov.skip`) with the reason.

use std::borrow::Cow;

use serde_json::{json, Value as Json};

/// One skipped check: its id and why the resource does not meet it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckovSkip {
    /// The check's id, such as `CKV_AWS_117`.
    pub id: Cow<'static, str>,
    /// Why the resource deliberately does not meet the check.
    pub comment: Cow<'static, str>,
}

impl CheckovSkip {
    /// Skips check `id`, for the reason `comment`.
    pub fn new(id: impl Into<Cow<'static, str>>, comment: impl Into<Cow<'static, str>>) -> Self {
        CheckovSkip {
            id: id.into(),
            comment: comment.into(),
        }
    }

    /// The entry of the `skip` list, `{"id": …, "comment": …}`.
    pub fn to_json(&self) -> Json {
        json!({ "id": self.id, "comment": self.comment })
    }
}
