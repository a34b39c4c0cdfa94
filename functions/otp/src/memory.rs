//! An in-memory [`OtpStore`] with the same conditions as [`DynamoDbOtpStore`](crate::DynamoDbOtpStore),
//! for handler unit tests (feature `test-util`). The DynamoDB behaviour itself is tested
//! against moto.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::phone::is_e164;
use crate::store::{not_e164, phone_key, OtpStore, StoreError, StoredCode};

/// An item: a code, a send counter or a phone registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A code item.
    Code(StoredCode),
    /// A send counter: sends in the window and the window's end.
    Sends(u32, i64),
    /// A registered phone number (stored as given, so tests can plant a malformed one).
    Phone(String),
}

/// The store; `fail` makes every call fail with that message.
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// The items by `pk`.
    pub items: Mutex<HashMap<String, Item>>,
    /// When set, every call fails.
    pub fail: Option<String>,
}

impl MemoryStore {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, Item>) -> R) -> Result<R, StoreError> {
        if let Some(message) = &self.fail {
            return Err(StoreError(message.clone()));
        }
        let mut items = self.items.lock().unwrap_or_else(|e| e.into_inner());
        Ok(f(&mut items))
    }

    /// The code item of `key`, if any.
    pub fn code(&self, key: &str) -> Option<StoredCode> {
        match self
            .items
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            Some(Item::Code(code)) => Some(code.clone()),
            _ => None,
        }
    }
}

impl OtpStore for MemoryStore {
    async fn take_send(
        &self,
        key: &str,
        now: i64,
        window: i64,
        max: u32,
    ) -> Result<bool, StoreError> {
        self.with(|items| match items.get_mut(key) {
            Some(Item::Sends(sends, end)) if *end > now => {
                let counted = *sends < max;
                if counted {
                    *sends += 1;
                }
                counted
            }
            _ => {
                items.insert(key.to_owned(), Item::Sends(1, now.saturating_add(window)));
                true
            }
        })
    }

    async fn put_code(
        &self,
        key: &str,
        code_hash: &str,
        _now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.with(|items| {
            let code = StoredCode {
                code_hash: code_hash.to_owned(),
                attempts: 0,
                used: false,
                expires_at,
            };
            items.insert(key.to_owned(), Item::Code(code));
        })
    }

    async fn delete_code(&self, key: &str, code_hash: &str) -> Result<(), StoreError> {
        self.with(|items| {
            if matches!(items.get(key), Some(Item::Code(c)) if c.code_hash == code_hash) {
                items.remove(key);
            }
        })
    }

    async fn get_code(&self, key: &str) -> Result<Option<StoredCode>, StoreError> {
        self.with(|items| match items.get(key) {
            Some(Item::Code(code)) => Some(code.clone()),
            _ => None,
        })
    }

    async fn record_wrong_guess(
        &self,
        key: &str,
        code_hash: &str,
        max: u32,
    ) -> Result<(), StoreError> {
        self.with(|items| {
            if let Some(Item::Code(c)) = items.get_mut(key) {
                if c.code_hash == code_hash && c.attempts < max {
                    c.attempts += 1;
                }
            }
        })
    }

    async fn redeem(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        max: u32,
    ) -> Result<bool, StoreError> {
        self.with(|items| match items.get_mut(key) {
            Some(Item::Code(c))
                if c.code_hash == code_hash
                    && !c.used
                    && c.attempts < max
                    && c.expires_at > now =>
            {
                c.used = true;
                true
            }
            _ => false,
        })
    }

    async fn registered_phone(&self, address_id: &str) -> Result<Option<String>, StoreError> {
        self.with(|items| match items.get(&phone_key(address_id)) {
            None => Ok(None),
            Some(Item::Phone(number)) if is_e164(number) => Ok(Some(number.clone())),
            Some(_) => Err(not_e164()),
        })?
    }

    async fn register_phone(&self, address_id: &str, phone_number: &str) -> Result<(), StoreError> {
        if !is_e164(phone_number) {
            return Err(not_e164());
        }
        self.with(|items| {
            items.insert(phone_key(address_id), Item::Phone(phone_number.to_owned()));
        })
    }

    async fn remove_phone(&self, address_id: &str) -> Result<(), StoreError> {
        self.with(|items| {
            items.remove(&phone_key(address_id));
        })
    }
}
