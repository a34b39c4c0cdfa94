//! Reading settings from the environment once, at cold start.

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
            _ => None,
        });
        assert_eq!(env.required("A").unwrap(), "12");
        assert_eq!(env.required("BLANK").unwrap_err(), "BLANK is not set");
        assert_eq!(env.positive("A", 5).unwrap(), 12);
        assert_eq!(env.positive("UNSET", 5).unwrap(), 5);
        assert!(env.positive("ZERO", 5).is_err());
        assert!(env.positive("NO", 5).is_err());
        assert!(env.flag("YES", false).unwrap());
        assert!(!env.flag("UNSET", false).unwrap());
        assert!(env.flag("NO", false).is_err());
    }
}
