//! A token as the authorizer receives it (any text), verified under each rule set: refusals
//! are errors, never panics, and whatever is accepted meets every rule
//! ([`fuzz_targets::check_accepted`]). The corpus holds valid tokens signed with
//! [`fuzz_targets::KEY`], so mutations start from accepted tokens.
#![no_main]

use fuzz_targets::{check_accepted, verifiers, NOW};
use jwt_hs256::{JwtError, MAX_TOKEN_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    for (verifier, rules) in verifiers() {
        match verifier.verify(token, NOW) {
            Ok(verified) => check_accepted(verifier, rules, token, &verified),
            Err(JwtError::TooLong(n)) => assert!(n == token.len() && n > MAX_TOKEN_LEN),
            Err(_) => assert!(token.len() <= MAX_TOKEN_LEN),
        }
    }
});
