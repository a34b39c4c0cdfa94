//! The request side of both functions: method, body decoding and the members of the JSON
//! object, before any field is interpreted.

// The `Err` side is the response itself, built once per request: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::fmt;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::http::Method;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::response::{body_error, invalid, method_not_allowed, Detail};

/// Largest accepted body in bytes (after base64 decoding); the bodies are a few short
/// strings, so anything bigger is not a real client.
pub const MAX_BODY_BYTES: usize = 4096;

/// The request id for logs and 5xx bodies: API Gateway's, else Lambda's.
pub fn request_id(request: &ApiGatewayProxyRequest, lambda_request_id: &str) -> String {
    request
        .request_context
        .request_id
        .clone()
        .unwrap_or_else(|| lambda_request_id.to_owned())
}

/// The values of `fields` in a `POST` body that is a JSON object with no other members and
/// none repeated; `None` for a field that is absent. Anything else is the 4xx response to
/// return.
pub fn json_fields<const N: usize>(
    request: &ApiGatewayProxyRequest,
    fields: [&'static str; N],
) -> Result<[Option<Value>; N], ApiGatewayProxyResponse> {
    if request.http_method != Method::POST {
        return Err(method_not_allowed());
    }
    let body = body_text(request)?;
    let members = match serde_json::from_str::<Members>(&body) {
        Ok(Members(members)) => members,
        Err(e) if e.is_data() => {
            return Err(body_error(
                400,
                "body is not a JSON object",
                "the body must be a JSON object",
            ))
        }
        Err(_) => {
            return Err(body_error(
                400,
                "body is not valid JSON",
                "the body must be a JSON object",
            ))
        }
    };
    let mut values: [Option<Value>; N] = std::array::from_fn(|_| None);
    let mut details = Vec::new();
    for (name, value) in members {
        match fields.iter().position(|f| *f == name) {
            Some(i) if values[i].is_some() => details.push(Detail::field(&name, "repeated member")),
            Some(i) => values[i] = Some(value),
            None => details.push(Detail::field(&name, "unknown member")),
        }
    }
    if details.is_empty() {
        Ok(values)
    } else {
        Err(invalid(details))
    }
}

/// The body as text: base64-decoded when API Gateway says so, at most [`MAX_BODY_BYTES`].
fn body_text(request: &ApiGatewayProxyRequest) -> Result<String, ApiGatewayProxyResponse> {
    let raw = request.body.as_deref().unwrap_or_default();
    let too_large = || {
        body_error(
            413,
            "request body too large",
            &format!("the body may be at most {MAX_BODY_BYTES} bytes"),
        )
    };
    let text = if request.is_base64_encoded {
        // Base64 inflates by 4/3: refuse before decoding anything huge.
        if raw.len() > MAX_BODY_BYTES / 3 * 4 + 4 {
            return Err(too_large());
        }
        let bytes = STANDARD.decode(raw.trim()).map_err(|_| {
            body_error(
                400,
                "body is not valid base64",
                "isBase64Encoded is set but the body is not base64",
            )
        })?;
        String::from_utf8(bytes)
            .map_err(|_| body_error(400, "body is not valid JSON", "the body is not UTF-8 text"))?
    } else {
        raw.to_owned()
    };
    if text.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(text)
}

/// A JSON object's members in order, repeats kept (serde_json's map keeps only the last).
struct Members(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Value>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// The string value of `field`, or the detail saying it is missing or not a string.
pub fn required_string(field: &'static str, value: Option<Value>) -> Result<String, Detail> {
    match value {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(Detail::field(field, "is required")),
        Some(_) => Err(Detail::field(field, "must be a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::tests::status_and_body;

    fn request(body: &str, base64: bool) -> ApiGatewayProxyRequest {
        let mut r = ApiGatewayProxyRequest::default();
        r.http_method = Method::POST;
        r.body = Some(body.to_owned());
        r.is_base64_encoded = base64;
        r
    }

    fn fields(r: &ApiGatewayProxyRequest) -> Result<[Option<Value>; 2], (i64, Value)> {
        json_fields(r, ["email", "code"]).map_err(status_and_body)
    }

    #[test]
    fn takes_known_members_plain_or_base64() {
        let body = r#"{"email": "a@example.com"}"#;
        let [email, code] = fields(&request(body, false)).unwrap();
        assert_eq!(email, Some(Value::from("a@example.com")));
        assert_eq!(code, None);
        let [email, _] = fields(&request(&STANDARD.encode(body), true)).unwrap();
        assert_eq!(email, Some(Value::from("a@example.com")));
    }

    #[test]
    fn names_unknown_and_repeated_members() {
        let (status, body) = fields(&request(
            r#"{"email": "a", "emial": "b", "email": "c"}"#,
            false,
        ))
        .unwrap_err();
        assert_eq!(status, 400);
        assert_eq!(body["details"][0]["field"], "emial");
        assert_eq!(body["details"][0]["message"], "unknown member");
        assert_eq!(body["details"][1]["field"], "email");
        assert_eq!(body["details"][1]["message"], "repeated member");
    }

    #[test]
    fn refuses_bad_bodies() {
        for (body, base64, status, error) in [
            ("", false, 400, "body is not valid JSON"),
            ("{", false, 400, "body is not valid JSON"),
            ("[1]", false, 400, "body is not a JSON object"),
            ("\"x\"", false, 400, "body is not a JSON object"),
            ("***", true, 400, "body is not valid base64"),
            ("/w==", true, 400, "body is not valid JSON"),
        ] {
            let (s, b) = fields(&request(body, base64)).unwrap_err();
            assert_eq!(
                (s, b["error"].as_str().unwrap()),
                (status, error),
                "{body:?}"
            );
            assert_eq!(b["details"][0]["field"], Value::Null);
        }
        let big = format!(r#"{{"email": "{}"}}"#, "a".repeat(MAX_BODY_BYTES));
        assert_eq!(fields(&request(&big, false)).unwrap_err().0, 413);
        assert_eq!(
            fields(&request(&STANDARD.encode(&big), true))
                .unwrap_err()
                .0,
            413
        );
    }

    #[test]
    fn only_post() {
        let mut r = request("{}", false);
        r.http_method = Method::GET;
        let response = json_fields(&r, ["email"]).unwrap_err();
        assert_eq!(response.headers.get("allow").unwrap(), "POST");
        assert_eq!(status_and_body(response).0, 405);
    }

    #[test]
    fn strings_only() {
        assert_eq!(
            required_string("email", Some(Value::from("x"))).unwrap(),
            "x"
        );
        assert_eq!(
            required_string("email", None).unwrap_err(),
            Detail::field("email", "is required")
        );
        assert_eq!(
            required_string("email", Some(Value::from(5))).unwrap_err(),
            Detail::field("email", "must be a string")
        );
    }
}
