//! Notifications of refreshes and failures, published to SNS.

use aws_sdk_sns::error::DisplayErrorContext;
use serde::Serialize;

use crate::store::BoxFuture;

/// What a subscriber receives (the SNS message is this as JSON). Never a token or secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// The tool (external API).
    pub provider: String,
    /// The organization.
    pub org: String,
    /// `refreshed` or `failed`.
    pub outcome: &'static str,
    /// New expiry, epoch seconds (`refreshed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// [`TokenError::kind`](crate::TokenError::kind) (`failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<&'static str>,
    /// The error's message, free of secrets (`failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// HTTP attempts made.
    pub attempts: u32,
}

impl Notification {
    /// The subject line (SNS allows 100 characters; provider ids are clipped to fit).
    pub fn subject(&self) -> String {
        let what = match self.outcome {
            "refreshed" => "OAuth token refreshed",
            _ => "OAuth token refresh FAILED",
        };
        let mut subject = format!("{what}: {}/{}", self.provider, self.org);
        subject.truncate(100);
        subject
    }
}

/// Why a notification could not be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SNS Publish failed: {0}")]
pub struct NotifyError(pub String);

/// Sends notifications.
pub trait Notifier: Send + Sync {
    /// Publishes one notification.
    fn notify(&self, notification: &Notification) -> BoxFuture<'_, Result<(), NotifyError>>;
}

/// [`Notifier`] publishing to an SNS topic.
#[derive(Debug, Clone)]
pub struct SnsNotifier {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsNotifier {
    /// Publishes to `topic_arn`.
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> Self {
        Self {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

impl Notifier for SnsNotifier {
    fn notify(&self, notification: &Notification) -> BoxFuture<'_, Result<(), NotifyError>> {
        let message = serde_json::to_string(notification).unwrap_or_default();
        let request = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(notification.subject())
            .message(message);
        Box::pin(async move {
            request
                .send()
                .await
                .map(|_| ())
                .map_err(|e| NotifyError(DisplayErrorContext(e).to_string()))
        })
    }
}
