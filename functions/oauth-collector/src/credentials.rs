//! A provider's client credentials, as stored in its Secrets Manager secret.

use std::fmt;
use std::net::IpAddr;

use serde_json::{Map, Value};

/// How the client authenticates to the token and revocation endpoints (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// HTTP Basic with the form-urlencoded id and secret (`client_secret_basic`, default).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body (`client_secret_post`).
    ClientSecretPost,
}

/// Which token and revocation endpoints a credentials secret may name.
///
/// Inside Lambda, loopback is the Runtime API (and the extensions API): a `token_url` there
/// would post the client credentials to it and could read or answer the function's own
/// invocations. So a deployed function takes `https://` only, on a host that is not a
/// loopback one; `http://` on a loopback host (a test's or `infra local`'s endpoint) is for
/// local runs only. Names that merely resolve to loopback cannot be told from the URL; the
/// TLS handshake `https://` requires is what fails against the plain-HTTP Runtime API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoints {
    /// `https://` on a host that is not a loopback one (deployed functions).
    Remote,
    /// Also `http://` on a loopback host ([local runs](secrets_client::local)).
    AlsoLoopback,
}

impl Endpoints {
    /// The rule of this process: [`AlsoLoopback`](Self::AlsoLoopback) in a
    /// [local run](secrets_client::local), [`Remote`](Self::Remote) otherwise.
    pub fn of_this_process() -> Self {
        if secrets_client::is_local_run() {
            Endpoints::AlsoLoopback
        } else {
            Endpoints::Remote
        }
    }
}

/// The secret's content. `Debug` redacts the client secret.
///
/// ```json
/// {"client_id": "…", "client_secret": "…", "token_url": "https://…/oauth/token",
///  "scope": "read write", "audience": "https://api.example.com",
///  "revocation_url": "https://…/oauth/revoke", "auth_method": "client_secret_basic"}
/// ```
///
/// `client_id`, `client_secret` and `token_url` are required, the rest optional; unknown
/// members are rejected so a misspelt optional member cannot be silently ignored.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The client identifier.
    pub client_id: String,
    client_secret: String,
    /// The token endpoint (see [`Endpoints`]).
    pub token_url: String,
    /// Requested scope, space-separated.
    pub scope: Option<String>,
    /// Requested audience (a common extension of the client-credentials grant).
    pub audience: Option<String>,
    /// The RFC 7009 revocation endpoint, if the provider has one.
    pub revocation_url: Option<String>,
    /// Client authentication method.
    pub auth_method: AuthMethod,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("token_url", &self.token_url)
            .field("scope", &self.scope)
            .field("audience", &self.audience)
            .field("revocation_url", &self.revocation_url)
            .field("auth_method", &self.auth_method)
            .finish()
    }
}

/// What is wrong with a secret's content. Names the member, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", match member { Some(m) => format!("member `{m}` {reason}"), None => (*reason).to_owned() })]
pub struct InvalidCredentials {
    /// The offending member (`None` when the whole value is wrong).
    pub member: Option<String>,
    /// What is wrong with it.
    pub reason: &'static str,
}

fn invalid(member: &str, reason: &'static str) -> InvalidCredentials {
    InvalidCredentials {
        member: Some(member.to_owned()),
        reason,
    }
}

const MEMBERS: [&str; 7] = [
    "client_id",
    "client_secret",
    "token_url",
    "scope",
    "audience",
    "revocation_url",
    "auth_method",
];

impl Credentials {
    /// Parses and validates the secret string; its endpoints must follow `endpoints`.
    pub fn parse(text: &str, endpoints: Endpoints) -> Result<Self, InvalidCredentials> {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
            return Err(InvalidCredentials {
                member: None,
                reason: "the secret is not a JSON object",
            });
        };
        if let Some(unknown) = map.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
            return Err(invalid(
                unknown,
                "is not a known member (client_id, client_secret, token_url, scope, audience, revocation_url, auth_method)",
            ));
        }
        let token_url = required(&map, "token_url")?;
        check_url("token_url", &token_url, endpoints)?;
        let revocation_url = optional(&map, "revocation_url")?;
        if let Some(url) = &revocation_url {
            check_url("revocation_url", url, endpoints)?;
        }
        let auth_method = match optional(&map, "auth_method")?.as_deref() {
            None | Some("client_secret_basic") => AuthMethod::ClientSecretBasic,
            Some("client_secret_post") => AuthMethod::ClientSecretPost,
            Some(_) => {
                return Err(invalid(
                    "auth_method",
                    "must be \"client_secret_basic\" or \"client_secret_post\"",
                ))
            }
        };
        Ok(Self {
            client_id: required(&map, "client_id")?,
            client_secret: required(&map, "client_secret")?,
            token_url,
            scope: optional(&map, "scope")?,
            audience: optional(&map, "audience")?,
            revocation_url,
            auth_method,
        })
    }

    /// Builds credentials directly (tests and callers holding them elsewhere).
    pub fn new(client_id: &str, client_secret: &str, token_url: &str) -> Self {
        Self {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            token_url: token_url.to_owned(),
            scope: None,
            audience: None,
            revocation_url: None,
            auth_method: AuthMethod::default(),
        }
    }

    /// The client secret.
    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }
}

fn optional(map: &Map<String, Value>, member: &str) -> Result<Option<String>, InvalidCredentials> {
    match map.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(invalid(member, "must not be empty when present"))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(member, "must be a string")),
    }
}

fn required(map: &Map<String, Value>, member: &str) -> Result<String, InvalidCredentials> {
    optional(map, member)?.ok_or_else(|| invalid(member, "is required"))
}

/// Checks `url` against `endpoints` (see [`Endpoints`]).
fn check_url(member: &str, url: &str, endpoints: Endpoints) -> Result<(), InvalidCredentials> {
    let why = match endpoints {
        Endpoints::Remote => "must be an https:// URL whose host is not a loopback one (http:// and loopback hosts are for local runs only)",
        Endpoints::AlsoLoopback => "must be an https:// URL with a host (http:// only for loopback hosts)",
    };
    let uri: http::Uri = url.parse().map_err(|_| invalid(member, why))?;
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid(member, why))?;
    let allowed = match (uri.scheme_str(), endpoints) {
        (Some("https"), Endpoints::Remote) => !is_loopback(host),
        (Some("https"), Endpoints::AlsoLoopback) => true,
        (Some("http"), Endpoints::AlsoLoopback) => is_loopback(host),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(invalid(member, why))
    }
}

/// Whether `host` names this machine: `localhost` (and names under `.localhost`, RFC 6761),
/// a loopback address (IPv4-mapped included), or the unspecified address, which connects to
/// loopback.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let name = bare.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() || ip.is_unspecified(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_loopback() || v4.is_unspecified())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{"client_id": "id", "client_secret": "s3cr3t",
        "token_url": "https://auth.example.com/oauth/token", "scope": "read",
        "audience": "https://api.example.com", "revocation_url": "https://auth.example.com/revoke",
        "auth_method": "client_secret_post"}"#;

    fn member_of(text: &str) -> Option<String> {
        Credentials::parse(text, Endpoints::AlsoLoopback)
            .unwrap_err()
            .member
    }

    #[test]
    fn parses_all_members() {
        let c = Credentials::parse(FULL, Endpoints::Remote).unwrap();
        assert_eq!(c.client_id, "id");
        assert_eq!(c.client_secret(), "s3cr3t");
        assert_eq!(c.scope.as_deref(), Some("read"));
        assert_eq!(c.auth_method, AuthMethod::ClientSecretPost);
        assert!(c.revocation_url.is_some());
        let minimal = Credentials::parse(
            r#"{"client_id": "id", "client_secret": "s", "token_url": "http://127.0.0.1:8080/t"}"#,
            Endpoints::AlsoLoopback,
        )
        .unwrap();
        assert_eq!(minimal.auth_method, AuthMethod::ClientSecretBasic);
        assert_eq!(minimal.revocation_url, None);
    }

    #[test]
    fn debug_redacts_the_secret() {
        let shown = format!("{:?}", Credentials::parse(FULL, Endpoints::Remote).unwrap());
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn names_the_bad_member_never_its_value() {
        let err = Credentials::parse(
            r#"{"client_id": "id", "token_url": "https://a.b/t"}"#,
            Endpoints::Remote,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "member `client_secret` is required");
        assert_eq!(
            member_of(r#"{"client_id": 5, "client_secret": "s", "token_url": "https://a.b"}"#),
            Some("client_id".into())
        );
        let err = Credentials::parse(
            r#"{"client_id": "i", "client_secret": "topsecret", "token_url": "http://auth.example.com/t"}"#,
            Endpoints::AlsoLoopback,
        )
        .unwrap_err();
        assert_eq!(err.member.as_deref(), Some("token_url"));
        assert!(!err.to_string().contains("auth.example.com"));
        assert_eq!(
            member_of(
                r#"{"client_id": "i", "client_secret": "s", "token_url": "https://a.b", "revocation_url": "ftp://a.b"}"#
            ),
            Some("revocation_url".into())
        );
        assert_eq!(
            member_of(
                r#"{"client_id": "i", "client_secret": "s", "token_url": "https://a.b", "auth_method": "private_key_jwt"}"#
            ),
            Some("auth_method".into())
        );
        assert_eq!(
            member_of(
                r#"{"client_id": "i", "client_secret": "s", "token_url": "https://a.b", "scopes": "x"}"#
            ),
            Some("scopes".into())
        );
        assert_eq!(
            member_of(r#"{"client_id": "", "client_secret": "s", "token_url": "https://a.b"}"#),
            Some("client_id".into())
        );
        assert_eq!(member_of("not json"), None);
    }

    const LOOPBACK: [&str; 9] = [
        "http://localhost:1/t",
        "http://LocalHost./t",
        "http://auth.localhost/t",
        "http://127.0.0.1/t",
        "http://127.1.2.3:9001/t",
        "http://[::1]:80/t",
        "http://[::ffff:127.0.0.1]:9001/t",
        "http://0.0.0.0:9001/t",
        "http://[::]:9001/t",
    ];

    #[test]
    fn local_runs_may_use_http_on_loopback_hosts() {
        for url in LOOPBACK {
            assert!(
                check_url("token_url", url, Endpoints::AlsoLoopback).is_ok(),
                "{url}"
            );
        }
        for url in ["https://auth.example.com/t", "https://127.0.0.1:8443/t"] {
            assert!(
                check_url("token_url", url, Endpoints::AlsoLoopback).is_ok(),
                "{url}"
            );
        }
        for url in [
            "http://10.0.0.1/t",
            "http://auth.example.com/t",
            "https:///t",
            "/relative",
            "auth.example.com",
        ] {
            assert!(
                check_url("token_url", url, Endpoints::AlsoLoopback).is_err(),
                "{url}"
            );
        }
    }

    #[test]
    fn deployed_functions_take_https_on_remote_hosts_only() {
        assert!(check_url("token_url", "https://auth.example.com/t", Endpoints::Remote).is_ok());
        let https_loopback = LOOPBACK.map(|url| url.replacen("http://", "https://", 1));
        for url in LOOPBACK
            .iter()
            .copied()
            .chain(https_loopback.iter().map(String::as_str))
        {
            let err = check_url("token_url", url, Endpoints::Remote).unwrap_err();
            assert_eq!(
                err.to_string(),
                "member `token_url` must be an https:// URL whose host is not a loopback one (http:// and loopback hosts are for local runs only)",
                "{url}"
            );
        }
        for url in [
            "http://auth.example.com/t",
            "http://10.0.0.1/t",
            "ftp://a.b/t",
        ] {
            assert!(
                check_url("token_url", url, Endpoints::Remote).is_err(),
                "{url}"
            );
        }
        // Both endpoints of a secret follow the rule.
        let err = Credentials::parse(
            r#"{"client_id": "i", "client_secret": "s", "token_url": "https://a.b/t",
                "revocation_url": "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next"}"#,
            Endpoints::Remote,
        )
        .unwrap_err();
        assert_eq!(err.member.as_deref(), Some("revocation_url"));
    }
}
