//! Secret names: the naming rules (crate `secret-names`, shared with the stacks) and the
//! environment variable of the local fallback.

pub use secret_names::{app_secret, tool_secret, NameError, MAX_NAME_LEN};

/// The environment variable consulted by the opt-in local fallback for `secret_id`:
/// `prefix` followed by the id upper-cased, every character other than ASCII letters and
/// digits replaced by `_` (`orders/dev/jwt` with prefix `SECRET_` → `SECRET_ORDERS_DEV_JWT`).
pub fn env_var_name(prefix: &str, secret_id: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + secret_id.len());
    out.push_str(prefix);
    out.extend(secret_id.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_names() {
        assert_eq!(
            env_var_name("SECRET_", "orders/dev/jwt-key"),
            "SECRET_ORDERS_DEV_JWT_KEY"
        );
    }
}
