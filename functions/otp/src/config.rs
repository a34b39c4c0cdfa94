//! Reading settings from the environment once, at cold start.

use env_names::otp::OTP_MAX_ATTEMPTS;
use thiserror::Error;

/// Default of `OTP_MAX_ATTEMPTS`, the wrong guesses that kill a code. Both functions read
/// it: `otp-verify` counts guesses against it, and `otp-create` replaces a code only once
/// it is dead, which includes having reached it (so set it alike on both).
pub const DEFAULT_MAX_ATTEMPTS: u64 = 5;

/// A setting that is unset or malformed; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// A required variable is unset or blank.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// Not a positive whole number.
    #[error("{name} must be a positive whole number, got {value:?}")]
    NotPositive {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// Larger than the setting can hold.
    #[error("{name} must be at most {max}")]
    TooLarge {
        /// The variable.
        name: &'static str,
        /// The largest value accepted.
        max: u32,
    },
    /// Neither `true` nor `false`.
    #[error("{name} must be true or false, got {value:?}")]
    NotFlag {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
}

/// A view of the environment (`std::env::var` in `main`, a map in tests) in which blank
/// values count as unset.
pub struct Env<F>(pub F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// The value of `name`, trimmed, if set and not blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name`, or an error naming it.
    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    /// A positive whole number, `default` when unset.
    pub fn positive(&self, name: &'static str, default: u64) -> Result<u64, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(ConfigError::NotPositive { name, value: v }),
        }
    }

    /// `OTP_MAX_ATTEMPTS` ([`DEFAULT_MAX_ATTEMPTS`] when unset).
    pub fn max_attempts(&self) -> Result<u32, ConfigError> {
        self.count(OTP_MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS)
    }

    /// A positive whole number that fits in a `u32`, `default` when unset.
    pub fn count(&self, name: &'static str, default: u64) -> Result<u32, ConfigError> {
        u32::try_from(self.positive(name, default)?).map_err(|_| ConfigError::TooLarge {
            name,
            max: u32::MAX,
        })
    }

    /// `true` or `false` (any case), `default` when unset.
    pub fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(ConfigError::NotFlag { name, value: v }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values() {
        let env = Env(|name: &str| match name {
            "A" => Some(" 12 ".to_owned()),
            "BLANK" => Some("  ".to_owned()),
            "ZERO" => Some("0".to_owned()),
            "YES" => Some("TRUE".to_owned()),
            "NO" => Some("x".to_owned()),
            "HUGE" => Some("4294967296".to_owned()),
            _ => None,
        });
        assert_eq!(env.required("A").unwrap(), "12");
        assert_eq!(
            env.required("BLANK").unwrap_err().to_string(),
            "BLANK is not set"
        );
        assert_eq!(env.positive("A", 5).unwrap(), 12);
        assert_eq!(env.positive("UNSET", 5).unwrap(), 5);
        assert!(env.positive("ZERO", 5).is_err());
        assert!(env.positive("NO", 5).is_err());
        assert_eq!(env.count("A", 5).unwrap(), 12);
        assert_eq!(env.max_attempts().unwrap(), 5);
        assert_eq!(
            env.count("HUGE", 5).unwrap_err().to_string(),
            "HUGE must be at most 4294967295"
        );
        assert!(env.flag("YES", false).unwrap());
        assert!(!env.flag("UNSET", false).unwrap());
        assert!(env.flag("NO", false).is_err());
    }
}
