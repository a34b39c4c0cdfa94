//! The OAuth 2.0 wire formats: the client-credentials token request (RFC 6749 §4.4), the
//! revocation request (RFC 7009 §2.1), client authentication (RFC 6749 §2.3.1), and the
//! success and error responses (RFC 6749 §5.1, §5.2).

use serde::Deserialize;
use serde_json::Value;

use crate::credentials::{AuthMethod, Credentials};

/// Lifetime assumed when a token response has no `expires_in` (RFC 6749 makes it only
/// RECOMMENDED): one hour, the most common lifetime. The collector logs when it applies.
pub const DEFAULT_EXPIRES_IN: u64 = 3600;

/// Longest `error_description` carried into messages.
const MAX_DESCRIPTION: usize = 200;

/// An `application/x-www-form-urlencoded` POST. Not `Debug`: it carries credentials.
pub struct FormRequest {
    /// Endpoint.
    pub url: String,
    /// `Authorization` header value (`client_secret_basic`).
    pub authorization: Option<String>,
    /// The encoded form.
    pub body: String,
}

fn form_request(credentials: &Credentials, url: &str, params: &[(&str, &str)]) -> FormRequest {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(params);
    let authorization = match credentials.auth_method {
        AuthMethod::ClientSecretBasic => {
            // RFC 6749 §2.3.1: both parts form-urlencoded before the Basic encoding.
            let id: String =
                form_urlencoded::byte_serialize(credentials.client_id.as_bytes()).collect();
            let secret: String =
                form_urlencoded::byte_serialize(credentials.client_secret().as_bytes()).collect();
            let encoded = aws_smithy_types::base64::encode(format!("{id}:{secret}"));
            Some(format!("Basic {encoded}"))
        }
        AuthMethod::ClientSecretPost => {
            form.append_pair("client_id", &credentials.client_id);
            form.append_pair("client_secret", credentials.client_secret());
            None
        }
    };
    FormRequest {
        url: url.to_owned(),
        authorization,
        body: form.finish(),
    }
}

/// The client-credentials token request: `grant_type=client_credentials`, plus `scope` and
/// `audience` when configured.
pub fn token_request(credentials: &Credentials) -> FormRequest {
    let mut params = vec![("grant_type", "client_credentials")];
    if let Some(scope) = &credentials.scope {
        params.push(("scope", scope));
    }
    if let Some(audience) = &credentials.audience {
        params.push(("audience", audience));
    }
    form_request(credentials, &credentials.token_url, &params)
}

/// The revocation request for an access token at `revocation_url`.
pub fn revocation_request(
    credentials: &Credentials,
    revocation_url: &str,
    token: &str,
) -> FormRequest {
    form_request(
        credentials,
        revocation_url,
        &[("token", token), ("token_type_hint", "access_token")],
    )
}

/// A successful token response. Not `Debug`: it carries the token.
pub struct TokenResponse {
    /// The token.
    pub access_token: String,
    /// Its type.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: Option<u64>,
    /// Granted scope.
    pub scope: Option<String>,
}

/// Why a 2xx token response body is unusable; names the member, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The body is not a JSON object.
    #[error("the token response is not a JSON object")]
    NotObject,
    /// A required member is absent or null.
    #[error("the token response has no `{0}`")]
    Missing(&'static str),
    /// A member is not a non-empty string.
    #[error("the token response member `{0}` is not a non-empty string")]
    NotText(&'static str),
    /// `expires_in` is not a non-negative integer (or a string of digits).
    #[error("the token response member `expires_in` is not a non-negative integer")]
    BadExpiresIn,
}

/// Parses a 2xx token response body. The error names the member that is wrong, never a
/// value (serde's own messages would quote them).
pub fn parse_token_response(body: &[u8]) -> Result<TokenResponse, ResponseError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Err(ResponseError::NotObject);
    };
    let text = |member: &'static str| match map.get(member) {
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(ResponseError::NotText(member)),
    };
    let required = |member: &'static str| text(member)?.ok_or(ResponseError::Missing(member));
    // Some providers send the lifetime as a string of digits.
    let expires_in = match map.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_u64().ok_or(ResponseError::BadExpiresIn)?),
        Some(Value::String(s)) => Some(s.parse::<u64>().map_err(|_| ResponseError::BadExpiresIn)?),
        Some(_) => return Err(ResponseError::BadExpiresIn),
    };
    Ok(TokenResponse {
        access_token: required("access_token")?,
        token_type: required("token_type")?,
        expires_in,
        scope: text("scope")?,
    })
}

/// An RFC 6749 §5.2 / RFC 7009 §2.2.1 error body.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorResponse {
    /// The error code, e.g. `invalid_client`.
    pub error: String,
    /// Human-readable text, trimmed to printable ASCII and 200 characters.
    pub error_description: Option<String>,
}

/// Parses an error body, keeping only the error code and a sanitized description; `None`
/// when the body is not an OAuth error object (its content is then never shown).
pub fn parse_error_response(body: &[u8]) -> Option<ErrorResponse> {
    let parsed: ErrorResponse = serde_json::from_slice(body).ok()?;
    Some(ErrorResponse {
        error: sanitize(&parsed.error, 64),
        error_description: parsed
            .error_description
            .map(|d| sanitize(&d, MAX_DESCRIPTION)),
    })
}

/// The characters RFC 6749 allows in `error` and `error_description` (%x20-21 / %x23-5B /
/// %x5D-7E), at most `max` of them.
fn sanitize(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| matches!(*c, ' '..='~') && *c != '"' && *c != '\\')
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(method: AuthMethod) -> Credentials {
        let mut c = Credentials::new("my id", "p@ss:w+rd", "https://auth.example.com/token");
        c.scope = Some("read write".into());
        c.audience = Some("https://api.example.com".into());
        c.auth_method = method;
        c
    }

    #[test]
    fn basic_auth_encodes_each_part_first() {
        let req = token_request(&credentials(AuthMethod::ClientSecretBasic));
        assert_eq!(
            req.body,
            "grant_type=client_credentials&scope=read+write&audience=https%3A%2F%2Fapi.example.com"
        );
        let header = req.authorization.unwrap();
        let decoded =
            aws_smithy_types::base64::decode(header.strip_prefix("Basic ").unwrap()).unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), "my+id:p%40ss%3Aw%2Brd");
    }

    #[test]
    fn post_auth_puts_credentials_in_the_form() {
        let req = token_request(&credentials(AuthMethod::ClientSecretPost));
        assert!(req.authorization.is_none());
        assert!(
            req.body
                .ends_with("&client_id=my+id&client_secret=p%40ss%3Aw%2Brd"),
            "{}",
            req.body
        );
    }

    #[test]
    fn revocation_form() {
        let c = credentials(AuthMethod::ClientSecretBasic);
        let req = revocation_request(&c, "https://auth.example.com/revoke", "tok/en");
        assert_eq!(req.body, "token=tok%2Fen&token_type_hint=access_token");
        assert_eq!(req.url, "https://auth.example.com/revoke");
    }

    #[test]
    fn responses() {
        let ok =
            parse_token_response(br#"{"access_token":"t","token_type":"Bearer","expires_in":60}"#)
                .unwrap();
        assert_eq!(ok.expires_in, Some(60));
        let err = parse_token_response(br#"{"token_type":"Bearer"}"#)
            .err()
            .unwrap();
        assert_eq!(err.to_string(), "the token response has no `access_token`");
        let err = parse_token_response(br#"{"access_token":12345,"token_type":"Bearer"}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("`access_token`") && !err.contains("12345"),
            "{err}"
        );
        let s = parse_token_response(br#"{"access_token":"t","token_type":"b","expires_in":"90"}"#)
            .unwrap();
        assert_eq!(s.expires_in, Some(90));
        let e = parse_error_response(
            br#"{"error":"invalid_client","error_description":"bad \"client\"\n secret"}"#,
        )
        .unwrap();
        assert_eq!(e.error, "invalid_client");
        assert_eq!(e.error_description.as_deref(), Some("bad client secret"));
        assert_eq!(parse_error_response(b"<html>oops</html>"), None);
    }
}
