//! The per-principal rate limit: at most [`RateLimit::records`] records per fixed window of
//! [`RateLimit::window_seconds`], counted in one DynamoDB item per principal and window.
//!
//! Counting happens in the function, not in an API Gateway usage plan: a usage plan meters
//! API keys, and a principal here is whoever got a token through `POST /otp`, so each would
//! need an API key created and attached to the plan beforehand; AWS also documents usage
//! plan throttling as best effort. One conditional `UpdateItem` per request counts exactly
//! and needs no provisioning.
//!
//! Records are counted, not requests: one request holds 1 to 100 records, and records are
//! what the table stores. A request is counted after its body is valid and before it is
//! written, so a refused write (a 409) still counts: probing for one's own ids costs quota.

use std::future::Future;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::store::StoreError;

/// Attribute names of a counter item.
pub mod attr {
    /// Partition key (S): the principal.
    pub const OWNER: &str = "owner";
    /// Sort key (N): the window's number, `now / window_seconds`.
    pub const WINDOW: &str = "window";
    /// N: records counted in the window.
    pub const RECORDS: &str = "records";
    /// N, epoch seconds: the end of the window; the table's TTL attribute.
    pub const EXPIRES_AT: &str = "expires_at";
}

/// How many records a principal may write per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Records per window.
    pub records: u32,
    /// The window's length in seconds (windows are aligned to multiples of it).
    pub window_seconds: u32,
}

/// One window of a [`RateLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// `now / window_seconds`, rounded down.
    pub number: i64,
    /// The first second after the window, epoch seconds.
    pub end: i64,
}

impl RateLimit {
    /// The window holding `now` (epoch seconds).
    pub fn window(&self, now: i64) -> Window {
        let length = i64::from(self.window_seconds.max(1));
        let number = now.div_euclid(length);
        Window {
            number,
            end: number.saturating_add(1).saturating_mul(length),
        }
    }
}

/// Whether a request may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Counted; go on.
    Admitted,
    /// The window's quota would be exceeded; nothing was counted. Retry after this many
    /// seconds (when the window ends).
    Limited {
        /// Seconds until the window ends (at least 1).
        retry_after: i64,
    },
}

/// Counts records per principal.
pub trait RateLimiter: Send + Sync {
    /// Counts `records` more records of `owner` at `now`, unless that would take the
    /// window's count over the limit ([`Admission::Limited`], nothing counted).
    fn admit(
        &self,
        owner: &str,
        records: u32,
        now: i64,
    ) -> impl Future<Output = Result<Admission, StoreError>> + Send;
}

/// [`RateLimiter`] over a DynamoDB table: partition key `owner` (S), sort key `window` (N),
/// TTL attribute `expires_at`.
#[derive(Debug, Clone)]
pub struct DynamoDbRateLimiter {
    client: aws_sdk_dynamodb::Client,
    table: String,
    limit: RateLimit,
}

impl DynamoDbRateLimiter {
    /// A limiter counting in `table`.
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: impl Into<String>,
        limit: RateLimit,
    ) -> Self {
        Self {
            client,
            table: table.into(),
            limit,
        }
    }
}

impl RateLimiter for DynamoDbRateLimiter {
    async fn admit(&self, owner: &str, records: u32, now: i64) -> Result<Admission, StoreError> {
        let window = self.limit.window(now);
        let limited = Admission::Limited {
            retry_after: (window.end - now).max(1),
        };
        let Some(room) = self.limit.records.checked_sub(records) else {
            return Ok(limited);
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::OWNER, AttributeValue::S(owner.to_owned()))
            .key(attr::WINDOW, AttributeValue::N(window.number.to_string()))
            .update_expression("ADD #records :n SET #exp = :end")
            // A new window's item has no count yet; an existing one must have room.
            .condition_expression("attribute_not_exists(#records) OR #records <= :room")
            .expression_attribute_names("#records", attr::RECORDS)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":n", AttributeValue::N(records.to_string()))
            .expression_attribute_values(":room", AttributeValue::N(room.to_string()))
            .expression_attribute_values(":end", AttributeValue::N(window.end.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Admission::Admitted),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(limited)
            }
            Err(SdkError::ServiceError(e)) => Err(StoreError::Other(format!(
                "counting records: {}: {}",
                e.err().code().unwrap_or("Unknown"),
                e.err().message().unwrap_or("")
            ))),
            Err(e) => Err(StoreError::Other(format!("counting records: {e:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned() {
        let limit = RateLimit {
            records: 1000,
            window_seconds: 60,
        };
        assert_eq!(
            limit.window(1_700_000_000),
            Window {
                number: 28_333_333,
                end: 1_700_000_040
            }
        );
        assert_eq!(limit.window(1_700_000_039).number, 28_333_333);
        assert_eq!(limit.window(1_700_000_040).number, 28_333_334);
        assert_eq!(limit.window(0), Window { number: 0, end: 60 });
    }
}
