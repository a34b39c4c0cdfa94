//! HS256 JSON Web Tokens: the [`Verifier`] of the orders authorizer and the [`Signer`] of the
//! two-factor service, which issues the tokens the authorizer accepts.
//!
//! Hand-rolled on the RustCrypto `hmac`/`sha2` primitives rather than a general JWT crate:
//! only one algorithm is ever acceptable, so the whole "algorithm agility" surface that causes
//! JWT vulnerabilities (`alg: none`, HMAC/RSA key confusion) is simply absent, the binaries
//! stay small (no RSA/EC/PEM stack), and a warm verification costs a few microseconds.
//!
//! A token is accepted only while it is valid and only if it does not claim to stay valid for
//! long: its `exp` may be at most a maximum lifetime ahead ([`DEFAULT_MAX_LIFETIME_SECONDS`]
//! unless configured), and clock-skew leeway is capped at [`MAX_LEEWAY_SECONDS`].
//!
//! Both sides refuse keys shorter than [`MIN_KEY_LEN`] bytes. No error of this crate carries
//! a token, a key or any part of them (only a short, sanitized `alg` for the log).

mod sign;
mod verify;

pub use sign::{sign_hs256, sign_with_header, Signer};
pub use verify::{
    JwtError, Verified, Verifier, ALLOWED_ALGORITHMS, DEFAULT_MAX_LIFETIME_SECONDS,
    MAX_LEEWAY_SECONDS, MAX_TOKEN_LEN,
};

/// Shortest accepted HMAC key (the hash output size, RFC 7518 §3.2).
pub const MIN_KEY_LEN: usize = 32;

/// The key is shorter than [`MIN_KEY_LEN`] bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeakKey(pub usize);

impl std::fmt::Display for WeakKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "HMAC key is {} bytes; at least {MIN_KEY_LEN} are required",
            self.0
        )
    }
}

impl std::error::Error for WeakKey {}
