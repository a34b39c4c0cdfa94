//! Writing a batch of orders: one DynamoDB transaction, every item in its owner's partition.

use std::future::Future;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use crate::validation::Order;

/// Attribute names of an order item.
pub mod attr {
    /// Partition key (S): the principal that wrote the order.
    pub const OWNER: &str = "owner";
    /// Sort key (S): the client's id of the order, unique per owner.
    pub const RECORD_ID: &str = "record_id";
    /// S.
    pub const PARAMETER_1: &str = "parameter_1";
    /// N, the exact text sent.
    pub const PARAMETER_2: &str = "parameter_2";
    /// N, epoch seconds of the write.
    pub const CREATED_AT: &str = "created_at";
    /// N, epoch seconds; the table's TTL attribute.
    pub const EXPIRES_AT: &str = "expires_at";
}

/// A failed write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// These positions of the batch name record_ids the owner already has; nothing was written.
    Conflict(Vec<usize>),
    /// Anything else; the message is for the log only.
    Other(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict(indices) => {
                write!(f, "{} record_ids already exist", indices.len())
            }
            StoreError::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for StoreError {}

/// Stores a batch of orders atomically.
pub trait OrderStore: Send + Sync {
    /// Writes all `orders` of `owner` or none. `idempotency_token` (at most 36 characters)
    /// makes SDK retries of the same request safe.
    fn put_all(
        &self,
        owner: &str,
        orders: &[Order<'_>],
        created_at: i64,
        expires_at: i64,
        idempotency_token: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// [`OrderStore`] over a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoDbStore {
    /// A store writing to `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

impl OrderStore for DynamoDbStore {
    async fn put_all(
        &self,
        owner: &str,
        orders: &[Order<'_>],
        created_at: i64,
        expires_at: i64,
        idempotency_token: &str,
    ) -> Result<(), StoreError> {
        let mut items = Vec::with_capacity(orders.len());
        for order in orders {
            let put = Put::builder()
                .table_name(&self.table)
                .item(attr::OWNER, AttributeValue::S(owner.to_owned()))
                .item(attr::RECORD_ID, AttributeValue::S(order.record_id.clone()))
                .item(
                    attr::PARAMETER_1,
                    AttributeValue::S(order.parameter_1.clone()),
                )
                .item(
                    attr::PARAMETER_2,
                    AttributeValue::N(order.parameter_2.to_owned()),
                )
                .item(attr::CREATED_AT, AttributeValue::N(created_at.to_string()))
                .item(attr::EXPIRES_AT, AttributeValue::N(expires_at.to_string()))
                // New ids of this owner only (the key is owner + record_id, so another
                // owner's item is another item); an expired item not yet swept by TTL does
                // not count.
                .condition_expression("attribute_not_exists(#id) OR #exp < :now")
                .expression_attribute_names("#id", attr::RECORD_ID)
                .expression_attribute_names("#exp", attr::EXPIRES_AT)
                .expression_attribute_values(":now", AttributeValue::N(created_at.to_string()))
                .build()
                .map_err(|e| StoreError::Other(e.to_string()))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        let token: String = idempotency_token.chars().take(36).collect();
        let mut request = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items));
        if !token.is_empty() {
            request = request.client_request_token(token);
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(err) => Err(classify(err)),
        }
    }
}

fn classify<R: std::fmt::Debug>(err: SdkError<TransactWriteItemsError, R>) -> StoreError {
    if let SdkError::ServiceError(service) = &err {
        if let TransactWriteItemsError::TransactionCanceledException(cancel) = service.err() {
            let conflicts: Vec<usize> = cancel
                .cancellation_reasons()
                .iter()
                .enumerate()
                .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                .map(|(i, _)| i)
                .collect();
            if !conflicts.is_empty() {
                return StoreError::Conflict(conflicts);
            }
        }
        return StoreError::Other(format!(
            "{}: {}",
            service.err().code().unwrap_or("Unknown"),
            service.err().message().unwrap_or("")
        ));
    }
    StoreError::Other(format!("{err:?}"))
}
