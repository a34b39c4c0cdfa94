//! The code, send-counter and phone-registration items (layout in the crate docs). Every
//! change of a code or counter is one conditional DynamoDB request, so concurrent
//! invocations cannot double-spend a code, skip the attempt limit or exceed the send limit.

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use crate::phone::is_e164;

/// Attribute names.
pub mod attr {
    /// Partition key (S).
    pub const PK: &str = "pk";
    /// Hex HMAC of the code (S).
    pub const CODE_HASH: &str = "code_hash";
    /// Wrong guesses so far (N).
    pub const ATTEMPTS: &str = "attempts";
    /// Whether the code was redeemed (BOOL).
    pub const USED: &str = "used";
    /// Epoch seconds of issue (N).
    pub const CREATED_AT: &str = "created_at";
    /// Codes sent in the current window (N).
    pub const SENDS: &str = "sends";
    /// Epoch seconds (N): end of validity or of the send window; the table's TTL attribute.
    pub const EXPIRES_AT: &str = "expires_at";
    /// The registered E.164 number of an address (S).
    pub const PHONE_NUMBER: &str = "phone_number";
}

/// Prefix of every code item's `pk`.
pub const CODE_PREFIX: &str = "code#";
/// Prefix of every send counter's `pk` (of an address, a phone number, a domain, and the
/// budget of the whole table).
pub const SENDS_PREFIX: &str = "sends#";
/// Prefix of every phone registration's `pk`.
pub const PHONE_PREFIX: &str = "phone#";

/// `pk` of the code item of an address.
pub fn code_key(address_id: &str) -> String {
    format!("{CODE_PREFIX}{address_id}")
}

/// `pk` of the send counter of a mailbox (the address id of [`crate::email::mailbox`]).
pub fn address_sends_key(address_id: &str) -> String {
    format!("{SENDS_PREFIX}email#{address_id}")
}

/// `pk` of the send counter of a phone number.
pub fn phone_sends_key(phone_id: &str) -> String {
    format!("{SENDS_PREFIX}phone#{phone_id}")
}

/// `pk` of the send counter of a mail domain.
pub fn domain_sends_key(domain_id: &str) -> String {
    format!("{SENDS_PREFIX}domain#{domain_id}")
}

/// `pk` of the one counter of every send (the daily budget).
pub fn budget_key() -> String {
    format!("{SENDS_PREFIX}all")
}

/// `pk` of the phone registration of an address.
pub fn phone_key(address_id: &str) -> String {
    format!("{PHONE_PREFIX}{address_id}")
}

/// The stored state of a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    /// Hex HMAC of the code.
    pub code_hash: String,
    /// Wrong guesses so far.
    pub attempts: u32,
    /// Redeemed already.
    pub used: bool,
    /// Epoch seconds after which the code is dead.
    pub expires_at: i64,
}

impl StoredCode {
    /// Whether the code can still be redeemed at `now`: unused, fewer than `max_attempts`
    /// wrong guesses, not expired.
    pub fn is_live(&self, now: i64, max_attempts: u32) -> bool {
        !self.used && self.attempts < max_attempts && self.expires_at > now
    }
}

/// What [`OtpStore::redeem`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// The code was live and is spent now.
    Redeemed,
    /// Nothing changed; the code item as it was (`None`: there is none), for the log.
    Refused(Option<StoredCode>),
}

/// A failed store call; the message is for the log only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// The operations the two functions need. `key` arguments are `pk` values.
pub trait OtpStore: Send + Sync {
    /// Counts one send against the counter `key` if fewer than `max_sends` were counted in
    /// its window (which starts at the first send and lasts `window_seconds`); `false` when
    /// the limit is reached.
    fn take_send(
        &self,
        key: &str,
        now: i64,
        window_seconds: i64,
        max_sends: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores a fresh code for `key` (attempts 0, unused) unless the code there is still
    /// live at `now` ([`StoredCode::is_live`] with `max_attempts`); `false` when a live code
    /// was kept. A code already delivered is never replaced while it can be redeemed.
    fn put_code(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        expires_at: i64,
        max_attempts: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes the code of `key` if it is still the one hashed `code_hash`.
    fn delete_code(
        &self,
        key: &str,
        code_hash: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Counts a wrong guess against the code of `key` if it is live at `now` and is not the
    /// one hashed `code_hash` (the guess); otherwise changes nothing.
    fn record_wrong_guess(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Marks the code of `key` used if it is the one hashed `code_hash` and live at `now`;
    /// exactly one of several concurrent calls can succeed. On refusal, the item as it was
    /// (one request either way: DynamoDB returns it with the failed condition).
    fn redeem(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> impl Future<Output = Result<Redemption, StoreError>> + Send;

    /// The E.164 number registered for the address `address_id` (strongly consistent read);
    /// a stored value that is not E.164 is an error.
    fn registered_phone(
        &self,
        address_id: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Registers `phone_number` (E.164, else an error) for `address_id`, replacing any
    /// previous one. Called through [`crate::registration`], never by the API.
    fn register_phone(
        &self,
        address_id: &str,
        phone_number: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes the number registered for `address_id`, if any.
    fn remove_phone(&self, address_id: &str)
        -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The error for a number that is not E.164; the number itself stays out of it.
pub(crate) fn not_e164() -> StoreError {
    StoreError("phone_number is not in E.164 form".to_owned())
}

impl<T: OtpStore> OtpStore for &T {
    fn take_send(
        &self,
        key: &str,
        now: i64,
        window_seconds: i64,
        max_sends: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).take_send(key, now, window_seconds, max_sends)
    }
    fn put_code(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        expires_at: i64,
        max_attempts: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).put_code(key, code_hash, now, expires_at, max_attempts)
    }
    fn delete_code(
        &self,
        key: &str,
        code_hash: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).delete_code(key, code_hash)
    }
    fn record_wrong_guess(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).record_wrong_guess(key, code_hash, now, max_attempts)
    }
    fn redeem(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> impl Future<Output = Result<Redemption, StoreError>> + Send {
        (**self).redeem(key, code_hash, now, max_attempts)
    }
    fn registered_phone(
        &self,
        address_id: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send {
        (**self).registered_phone(address_id)
    }
    fn register_phone(
        &self,
        address_id: &str,
        phone_number: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).register_phone(address_id, phone_number)
    }
    fn remove_phone(
        &self,
        address_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).remove_phone(address_id)
    }
}

/// [`OtpStore`] over a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoDbOtpStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoDbOtpStore {
    /// A store on `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn failed<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError(DisplayErrorContext(&e).to_string())
}

/// `Ok(true)` on success, `Ok(false)` when the condition failed, the error otherwise.
fn conditional<T, E, R>(result: Result<T, SdkError<E, R>>) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(false),
        Err(e) => Err(failed(e)),
    }
}

/// A code item as read from the table.
fn stored_code(item: &HashMap<String, AttributeValue>) -> Result<StoredCode, StoreError> {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(v)) | Some(AttributeValue::N(v)) => Ok(v.as_str()),
        _ => Err(StoreError(format!("code item without {name}"))),
    };
    let number = |name: &str| {
        text(name)?
            .parse::<i64>()
            .map_err(|_| StoreError(format!("code item {name} is not a whole number")))
    };
    Ok(StoredCode {
        code_hash: text(attr::CODE_HASH)?.to_owned(),
        attempts: u32::try_from(number(attr::ATTEMPTS)?).unwrap_or(u32::MAX),
        used: matches!(item.get(attr::USED), Some(AttributeValue::Bool(true))),
        expires_at: number(attr::EXPIRES_AT)?,
    })
}

impl OtpStore for DynamoDbOtpStore {
    async fn take_send(
        &self,
        key: &str,
        now: i64,
        window_seconds: i64,
        max_sends: u32,
    ) -> Result<bool, StoreError> {
        // Two rounds at most: a window opened by a concurrent call between our increment
        // and our open is counted in on the second increment.
        for _ in 0..2 {
            let counted = self
                .client
                .update_item()
                .table_name(&self.table)
                .key(attr::PK, s(key))
                .update_expression("SET #sends = #sends + :one")
                .condition_expression("#exp > :now AND #sends < :max")
                .expression_attribute_names("#sends", attr::SENDS)
                .expression_attribute_names("#exp", attr::EXPIRES_AT)
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":max", n(max_sends))
                .send()
                .await;
            if conditional(counted)? {
                return Ok(true);
            }
            // No counter, or its window is over: open a new window with this send.
            let opened = self
                .client
                .put_item()
                .table_name(&self.table)
                .item(attr::PK, s(key))
                .item(attr::SENDS, n(1))
                .item(attr::EXPIRES_AT, n(now.saturating_add(window_seconds)))
                .condition_expression("attribute_not_exists(#pk) OR #exp <= :now")
                .expression_attribute_names("#pk", attr::PK)
                .expression_attribute_names("#exp", attr::EXPIRES_AT)
                .expression_attribute_values(":now", n(now))
                .send()
                .await;
            if conditional(opened)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn put_code(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        expires_at: i64,
        max_attempts: u32,
    ) -> Result<bool, StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(attr::PK, s(key))
            .item(attr::CODE_HASH, s(code_hash))
            .item(attr::ATTEMPTS, n(0))
            .item(attr::USED, AttributeValue::Bool(false))
            .item(attr::CREATED_AT, n(now))
            .item(attr::EXPIRES_AT, n(expires_at))
            // The negation of `StoredCode::is_live`.
            .condition_expression(
                "attribute_not_exists(#pk) OR #used = :true OR #attempts >= :max OR #exp <= :now",
            )
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#used", attr::USED)
            .expression_attribute_names("#attempts", attr::ATTEMPTS)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(":max", n(max_attempts))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        conditional(put)
    }

    async fn delete_code(&self, key: &str, code_hash: &str) -> Result<(), StoreError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(attr::PK, s(key))
            .condition_expression("#hash = :hash")
            .expression_attribute_names("#hash", attr::CODE_HASH)
            .expression_attribute_values(":hash", s(code_hash))
            .send()
            .await;
        // Another code replaced it: that one stays.
        conditional(deleted).map(|_| ())
    }

    async fn record_wrong_guess(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> Result<(), StoreError> {
        let counted = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PK, s(key))
            .update_expression("SET #attempts = #attempts + :one")
            .condition_expression(
                "#hash <> :hash AND #used = :false AND #attempts < :max AND #exp > :now",
            )
            .expression_attribute_names("#attempts", attr::ATTEMPTS)
            .expression_attribute_names("#hash", attr::CODE_HASH)
            .expression_attribute_names("#used", attr::USED)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":hash", s(code_hash))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":max", n(max_attempts))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        // No code, a dead one, or the guess was right after all: nothing to count.
        conditional(counted).map(|_| ())
    }

    async fn redeem(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        max_attempts: u32,
    ) -> Result<Redemption, StoreError> {
        let redeemed = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PK, s(key))
            .update_expression("SET #used = :true")
            .condition_expression(
                "#hash = :hash AND #used = :false AND #attempts < :max AND #exp > :now",
            )
            .expression_attribute_names("#used", attr::USED)
            .expression_attribute_names("#hash", attr::CODE_HASH)
            .expression_attribute_names("#attempts", attr::ATTEMPTS)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":hash", s(code_hash))
            .expression_attribute_values(":max", n(max_attempts))
            .expression_attribute_values(":now", n(now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match redeemed {
            Ok(_) => Ok(Redemption::Redeemed),
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(refused)) => refused
                    .item()
                    .map(stored_code)
                    .transpose()
                    .map(Redemption::Refused),
                _ => Err(failed(e)),
            },
        }
    }

    async fn registered_phone(&self, address_id: &str) -> Result<Option<String>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::PK, s(&phone_key(address_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(failed)?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        match item.get(attr::PHONE_NUMBER) {
            Some(AttributeValue::S(number)) if is_e164(number) => Ok(Some(number.clone())),
            _ => Err(not_e164()),
        }
    }

    async fn register_phone(&self, address_id: &str, phone_number: &str) -> Result<(), StoreError> {
        if !is_e164(phone_number) {
            return Err(not_e164());
        }
        self.client
            .put_item()
            .table_name(&self.table)
            .item(attr::PK, s(&phone_key(address_id)))
            .item(attr::PHONE_NUMBER, s(phone_number))
            .send()
            .await
            .map(|_| ())
            .map_err(failed)
    }

    async fn remove_phone(&self, address_id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(attr::PK, s(&phone_key(address_id)))
            .send()
            .await
            .map(|_| ())
            .map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_starts_with_its_items_prefix() {
        // The stack's IAM conditions (dynamodb:LeadingKeys) name these prefixes.
        assert!(code_key("ab").starts_with(CODE_PREFIX));
        assert!(phone_key("ab").starts_with(PHONE_PREFIX));
        for counter in [
            address_sends_key("ab"),
            phone_sends_key("ab"),
            domain_sends_key("ab"),
            budget_key(),
        ] {
            assert!(counter.starts_with(SENDS_PREFIX), "{counter}");
        }
        let keys = [
            address_sends_key("ab"),
            phone_sends_key("ab"),
            domain_sends_key("ab"),
            budget_key(),
        ];
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
    }

    #[test]
    fn a_code_lives_until_used_exhausted_or_expired() {
        let code = StoredCode {
            code_hash: "h".into(),
            attempts: 4,
            used: false,
            expires_at: 100,
        };
        assert!(code.is_live(99, 5));
        assert!(!code.is_live(100, 5), "expired at expires_at");
        assert!(!code.is_live(99, 4), "out of attempts");
        assert!(!StoredCode { used: true, ..code }.is_live(99, 5));
    }
}
