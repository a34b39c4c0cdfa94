//! An in-memory [`OtpStore`] with the same conditions as [`DynamoDbOtpStore`](crate::DynamoDbOtpStore),
//! for handler unit tests (feature `test-util`). The DynamoDB behaviour itself is tested
//! against moto.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::{OtpStore, StoreError, StoredCode};

/// An item: a code or a send counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A code item.
    Code(StoredCode),
    /// A send counter: sends in the window and the window's end.
    Sends(u32, i64),
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
}
