//! Reading settings from the environment once, at cold start.

use env_names::otp::OTP_MAX_ATTEMPTS;

/// Default of `OTP_MAX_ATTEMPTS`, the wrong guesses that kill a code. Both functions read
/// it: `otp-verify` counts guesses against it, and `otp-create` replaces a code only once
/// it is dead, which includes having reached it (so set it alike on both).
pub const DEFAULT_MAX_ATTEMPTS: u64 = 5;

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
    pub fn required(&self, name: &str) -> Result<String, String> {
        self.optional(name)
            .ok_or_else(|| format!("{name} is not set"))
    }

    /// A positive whole number, `default` when unset.
    pub fn positive(&self, name: &str, default: u64) -> Result<u64, String> {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{name} must be a positive whole number, got {v:?}")),
        }
    }

    /// `OTP_MAX_ATTEMPTS` ([`DEFAULT_MAX_ATTEMPTS`] when unset).
    pub fn max_attempts(&self) -> Result<u32, String> {
        self.count(OTP_MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS)
    }

    /// A positive whole number that fits in a `u32`, `default` when unset.
    pub fn count(&self, name: &str, default: u64) -> Result<u32, String> {
        u32::try_from(self.positive(name, default)?)
            .map_err(|_| format!("{name} must be at most {}", u32::MAX))
    }

    /// `true` or `false` (any case), `default` when unset.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, String> {
        match self.optional(name) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(format!("{name} must be true or false, got {v:?}")),
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
        assert_eq!(env.required("BLANK").unwrap_err(), "BLANK is not set");
        assert_eq!(env.positive("A", 5).unwrap(), 12);
        assert_eq!(env.positive("UNSET", 5).unwrap(), 5);
        assert!(env.positive("ZERO", 5).is_err());
        assert!(env.positive("NO", 5).is_err());
        assert_eq!(env.count("A", 5).unwrap(), 12);
        assert_eq!(env.max_attempts().unwrap(), 5);
        assert_eq!(
            env.count("HUGE", 5).unwrap_err(),
            "HUGE must be at most 4294967295"
        );
        assert!(env.flag("YES", false).unwrap());
        assert!(!env.flag("UNSET", false).unwrap());
        assert!(env.flag("NO", false).is_err());
    }
}
