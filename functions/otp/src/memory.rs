//! An in-memory [`OtpStore`] with the same conditions as [`DynamoDbOtpStore`](crate::DynamoDbOtpStore),
//! for handler unit tests (feature `test-util`). The DynamoDB behaviour itself is tested
//! against moto.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::phone::is_e164;
use crate::store::{not_e164, phone_key, OtpStore, Redemption, StoreError, StoredCode};

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
    /// Every call made, as `"<method> <pk>"`, in order: the requests DynamoDB would get.
    pub calls: Mutex<Vec<String>>,
}

impl MemoryStore {
    fn with<R>(
        &self,
        method: &str,
        key: &str,
        f: impl FnOnce(&mut HashMap<String, Item>) -> R,
    ) -> Result<R, StoreError> {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{method} {key}"));
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

    /// The calls made so far, leaving the log empty.
    pub fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(|e| e.into_inner()))
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
        self.with("take_send", key, |items| match items.get_mut(key) {
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
        now: i64,
        expires_at: i64,
        max: u32,
    ) -> Result<bool, StoreError> {
        self.with("put_code", key, |items| match items.get(key) {
            Some(Item::Code(live)) if live.is_live(now, max) => false,
            _ => {
                let code = StoredCode {
                    code_hash: code_hash.to_owned(),
                    attempts: 0,
                    used: false,
                    expires_at,
                };
                items.insert(key.to_owned(), Item::Code(code));
                true
            }
        })
    }

    async fn delete_code(&self, key: &str, code_hash: &str) -> Result<(), StoreError> {
        self.with("delete_code", key, |items| {
            if matches!(items.get(key), Some(Item::Code(c)) if c.code_hash == code_hash) {
                items.remove(key);
            }
        })
    }

    async fn record_wrong_guess(
        &self,
        key: &str,
        code_hash: &str,
        now: i64,
        max: u32,
    ) -> Result<(), StoreError> {
        self.with("record_wrong_guess", key, |items| {
            if let Some(Item::Code(c)) = items.get_mut(key) {
                if c.code_hash != code_hash && c.is_live(now, max) {
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
    ) -> Result<Redemption, StoreError> {
        self.with("redeem", key, |items| match items.get_mut(key) {
            Some(Item::Code(c)) if c.code_hash == code_hash && c.is_live(now, max) => {
                c.used = true;
                Redemption::Redeemed
            }
            Some(Item::Code(c)) => Redemption::Refused(Some(c.clone())),
            _ => Redemption::Refused(None),
        })
    }

    async fn registered_phone(&self, address_id: &str) -> Result<Option<String>, StoreError> {
        let key = phone_key(address_id);
        self.with("registered_phone", &key, |items| match items.get(&key) {
            None => Ok(None),
            Some(Item::Phone(number)) if is_e164(number) => Ok(Some(number.clone())),
            Some(_) => Err(not_e164()),
        })?
    }

    async fn register_phone(&self, address_id: &str, phone_number: &str) -> Result<(), StoreError> {
        if !is_e164(phone_number) {
            return Err(not_e164());
        }
        let key = phone_key(address_id);
        self.with("register_phone", &key, |items| {
            items.insert(key.clone(), Item::Phone(phone_number.to_owned()));
        })
    }

    async fn remove_phone(&self, address_id: &str) -> Result<(), StoreError> {
        let key = phone_key(address_id);
        self.with("remove_phone", &key, |items| {
            items.remove(&key);
        })
    }
}
