//! Binding a phone number to an address, so that `channel: "sms"` can reach the address's
//! owner. This is **not** exposed over the API: a user-management process (or an operator)
//! that has established that the number belongs to the address's owner calls
//! [`register_phone`] and [`remove_phone`] with the table's store and the same hash key as
//! the functions.
//!
//! The registration is the item `pk = phone#<hex HMAC of the normalized address>` with the
//! number in `phone_number` (layout in the crate docs); a new registration replaces the
//! previous one.

use crate::email;
use crate::hash::HashKey;
use crate::phone::is_e164;
use crate::store::{OtpStore, StoreError};

/// Why a registration was not changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationError {
    /// The address is not acceptable ([`email::normalize`]'s reason).
    Email(&'static str),
    /// The number is not in E.164 form.
    PhoneNumber,
    /// The table call failed.
    Store(StoreError),
}

impl std::fmt::Display for RegistrationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Email(reason) => write!(f, "email {reason}"),
            Self::PhoneNumber => f.write_str(
                "phone_number must be in E.164 form: + and up to 15 digits, e.g. +15555550100",
            ),
            Self::Store(e) => write!(f, "store: {e}"),
        }
    }
}

impl std::error::Error for RegistrationError {}

/// Registers `phone_number` (E.164) as the SMS destination of the address `email` (any
/// case; normalized as `POST /otp` does), replacing any previous number.
pub async fn register_phone<T: OtpStore>(
    store: &T,
    key: &HashKey,
    email: &str,
    phone_number: &str,
) -> Result<(), RegistrationError> {
    let email = email::normalize(email).map_err(RegistrationError::Email)?;
    if !is_e164(phone_number) {
        return Err(RegistrationError::PhoneNumber);
    }
    store
        .register_phone(&key.address_id(&email), phone_number)
        .await
        .map_err(RegistrationError::Store)
}

/// Removes the phone number of the address `email`, if any: `channel: "sms"` then sends it
/// nothing.
pub async fn remove_phone<T: OtpStore>(
    store: &T,
    key: &HashKey,
    email: &str,
) -> Result<(), RegistrationError> {
    let email = email::normalize(email).map_err(RegistrationError::Email)?;
    store
        .remove_phone(&key.address_id(&email))
        .await
        .map_err(RegistrationError::Store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{Item, MemoryStore};
    use crate::store::phone_key;

    fn key() -> HashKey {
        HashKey::new(b"otp-hash-key-0123456789abcdef-0123").unwrap()
    }

    #[tokio::test]
    async fn registers_under_the_normalized_address_hash_and_removes() {
        let store = MemoryStore::default();
        register_phone(&store, &key(), " A@Example.com", "+15555550100")
            .await
            .unwrap();
        let id = key().address_id("a@example.com");
        assert_eq!(
            store.registered_phone(&id).await.unwrap().as_deref(),
            Some("+15555550100")
        );
        let items = store.items.lock().unwrap().clone();
        assert_eq!(items.len(), 1);
        assert!(items.contains_key(&phone_key(&id)), "{items:?}");
        // A new number replaces the old one.
        register_phone(&store, &key(), "a@example.com", "+445555550101")
            .await
            .unwrap();
        assert_eq!(
            store.registered_phone(&id).await.unwrap().as_deref(),
            Some("+445555550101")
        );
        remove_phone(&store, &key(), "A@EXAMPLE.COM").await.unwrap();
        assert_eq!(store.registered_phone(&id).await.unwrap(), None);
        // Removing what is not there is fine.
        remove_phone(&store, &key(), "a@example.com").await.unwrap();
    }

    #[tokio::test]
    async fn refuses_bad_input_and_bad_stored_numbers() {
        let store = MemoryStore::default();
        assert!(matches!(
            register_phone(&store, &key(), "nope", "+15555550100").await,
            Err(RegistrationError::Email(_))
        ));
        assert_eq!(
            register_phone(&store, &key(), "a@example.com", "5555550100").await,
            Err(RegistrationError::PhoneNumber)
        );
        assert!(store.items.lock().unwrap().is_empty());
        // The store refuses a non-E.164 number too, on write and on read.
        let id = key().address_id("a@example.com");
        assert!(store.register_phone(&id, "+1 555").await.is_err());
        store
            .items
            .lock()
            .unwrap()
            .insert(phone_key(&id), Item::Phone("555-0100".into()));
        let error = store.registered_phone(&id).await.unwrap_err();
        assert!(!error.0.contains("555"), "{error}");
    }
}
