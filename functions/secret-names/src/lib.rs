//! Secret naming conventions, for the functions that read secrets (through
//! `secrets-client`) and the stacks that create them and grant access to them
//! (`aws-constructs`): one set of rules on both sides.
//!
//! Credentials of the application live under `{app}/{env}/{name}`; per-organization tool
//! credentials under `{app}/{tool}/{org}`. IAM policies grant access by these prefixes, so
//! every segment is validated: non-empty, no `/`, and only the characters Secrets Manager
//! allows in names (ASCII letters, digits and `_+=.@-`).

use thiserror::Error;

/// Longest secret name Secrets Manager accepts.
pub const MAX_NAME_LEN: usize = 512;

/// Why a secret name could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NameError {
    /// A segment was empty.
    #[error("secret name segment `{segment}` is empty")]
    Empty {
        /// Which segment (`app`, `env`, `name`, `tool` or `org`).
        segment: &'static str,
    },
    /// A segment contained a character outside `[A-Za-z0-9_+=.@-]`.
    #[error("secret name segment `{segment}` contains {found:?}; allowed are ASCII letters, digits and _+=.@-")]
    InvalidChar {
        /// Which segment.
        segment: &'static str,
        /// The first offending character.
        found: char,
    },
    /// The joined name is longer than [`MAX_NAME_LEN`].
    #[error("secret name is {len} characters long; the maximum is {MAX_NAME_LEN}")]
    TooLong {
        /// Length of the joined name.
        len: usize,
    },
}

fn check(segment: &'static str, value: &str) -> Result<(), NameError> {
    if value.is_empty() {
        return Err(NameError::Empty { segment });
    }
    if let Some(found) = value
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_+=.@-".contains(*c)))
    {
        return Err(NameError::InvalidChar { segment, found });
    }
    Ok(())
}

fn join(parts: [&str; 3]) -> Result<String, NameError> {
    let name = parts.join("/");
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong { len: name.len() });
    }
    Ok(name)
}

/// `{app}/{env}/{name}`, e.g. `orders/dev/jwt-signing-key`.
pub fn app_secret(app: &str, env: &str, name: &str) -> Result<String, NameError> {
    check("app", app)?;
    check("env", env)?;
    check("name", name)?;
    join([app, env, name])
}

/// `{app}/{tool}/{org}`, e.g. `orders/github/org-abc123`.
pub fn tool_secret(app: &str, tool: &str, org: &str) -> Result<String, NameError> {
    check("app", app)?;
    check("tool", tool)?;
    check("org", org)?;
    join([app, tool, org])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_app_and_tool_names() {
        assert_eq!(
            app_secret("orders", "dev", "jwt").unwrap(),
            "orders/dev/jwt"
        );
        assert_eq!(
            tool_secret("orders", "github", "org-abc123").unwrap(),
            "orders/github/org-abc123"
        );
    }

    #[test]
    fn rejects_bad_segments() {
        assert_eq!(
            app_secret("", "dev", "jwt"),
            Err(NameError::Empty { segment: "app" })
        );
        assert_eq!(
            app_secret("orders", "dev/prod", "jwt"),
            Err(NameError::InvalidChar {
                segment: "env",
                found: '/'
            })
        );
        assert_eq!(
            tool_secret("orders", "git hub", "o"),
            Err(NameError::InvalidChar {
                segment: "tool",
                found: ' '
            })
        );
        assert_eq!(
            tool_secret("orders", "github", ""),
            Err(NameError::Empty { segment: "org" })
        );
        let long = "a".repeat(300);
        assert_eq!(
            app_secret(&long, &long, "x"),
            Err(NameError::TooLong { len: 603 })
        );
    }
}
