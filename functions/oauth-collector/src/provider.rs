//! Which providers exist: `tool/org` identifiers, their secret names and object keys.

use std::fmt;

use secrets_client::{tool_secret, NameError};

/// One OAuth provider account: a tool (the external API) and an organization on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderId {
    tool: String,
    org: String,
}

impl ProviderId {
    /// Checks both segments with the secret-name rules (non-empty, ASCII letters, digits and
    /// `_+=.@-`): they become part of the secret name and of the S3 object key.
    pub fn new(tool: &str, org: &str) -> Result<Self, NameError> {
        // The app segment is checked where the secret name is built; any valid value will do.
        tool_secret("app", tool, org)?;
        Ok(Self {
            tool: tool.to_owned(),
            org: org.to_owned(),
        })
    }

    /// Parses `tool/org`.
    pub fn parse(pair: &str) -> Result<Self, NameError> {
        let (tool, org) = pair.trim().split_once('/').unwrap_or((pair.trim(), ""));
        Self::new(tool, org)
    }

    /// The tool (external API), e.g. `example`.
    pub fn tool(&self) -> &str {
        &self.tool
    }

    /// The organization, e.g. `acme`.
    pub fn org(&self) -> &str {
        &self.org
    }

    /// The Secrets Manager name of the credentials: `{app}/{tool}/{org}`.
    pub fn secret_name(&self, app: &str) -> Result<String, NameError> {
        tool_secret(app, &self.tool, &self.org)
    }

    /// The S3 key of the stored token: `tokens/{tool}/{org}.json`.
    pub fn object_key(&self) -> String {
        format!("{TOKENS_PREFIX}{}/{}.json", self.tool, self.org)
    }
}

/// The prefix of every stored token object (IAM grants are scoped to it).
pub const TOKENS_PREFIX: &str = "tokens/";

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.tool, self.org)
    }
}

/// Why `OAUTH_PROVIDERS` (or an event's `providers`) could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderListError {
    /// The list names no provider.
    #[error("the provider list is empty; expected comma-separated tool/org pairs such as `example/acme`")]
    Empty,
    /// An entry is not a valid `tool/org` pair.
    #[error("provider entry {index} is not a valid tool/org pair: {source}")]
    Invalid {
        /// 0-based position in the list.
        index: usize,
        /// What is wrong with it.
        source: NameError,
    },
    /// An entry appears twice.
    #[error("provider `{0}` is listed twice")]
    Duplicate(ProviderId),
}

/// Parses a comma-separated list of `tool/org` pairs (whitespace around entries ignored).
pub fn parse_provider_list(list: &str) -> Result<Vec<ProviderId>, ProviderListError> {
    if list.trim().is_empty() {
        return Err(ProviderListError::Empty);
    }
    let mut out: Vec<ProviderId> = Vec::new();
    for (index, entry) in list.split(',').enumerate() {
        let id = ProviderId::parse(entry)
            .map_err(|source| ProviderListError::Invalid { index, source })?;
        if out.contains(&id) {
            return Err(ProviderListError::Duplicate(id));
        }
        out.push(id);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys() {
        let id = ProviderId::parse(" example/acme ").unwrap();
        assert_eq!(id.to_string(), "example/acme");
        assert_eq!(id.secret_name("orders").unwrap(), "orders/example/acme");
        assert_eq!(id.object_key(), "tokens/example/acme.json");
    }

    #[test]
    fn lists() {
        let ids = parse_provider_list("example/acme, example/globex").unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[1].org(), "globex");
        assert_eq!(parse_provider_list(" "), Err(ProviderListError::Empty));
        assert_eq!(
            parse_provider_list("example/acme,example"),
            Err(ProviderListError::Invalid {
                index: 1,
                source: NameError::Empty { segment: "org" }
            })
        );
        assert!(matches!(
            parse_provider_list("a/b/c"),
            Err(ProviderListError::Invalid {
                index: 0,
                source: NameError::InvalidChar { found: '/', .. }
            })
        ));
        assert!(matches!(
            parse_provider_list("a/b,a/b"),
            Err(ProviderListError::Duplicate(_))
        ));
    }
}
