//! The JSON responses of both functions.
//!
//! Client errors: `{"error": "...", "details": [{"field": "...", "message": "..."}]}`, the
//! shape of the orders API without `index` (these bodies are single objects); `field` is
//! `null` for problems with the body as a whole. Server errors: `{"error": "...",
//! "request_id": "..."}` and nothing else.

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::header::{HeaderValue, ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use serde::Serialize;
use serde_json::{json, Value};

/// One problem with the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    /// The member concerned; `None` for the body as a whole.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl Detail {
    /// A problem with the member `field`.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }
}

/// A response with a JSON body; never cached (codes and tokens are single-use).
pub fn json_response(status: u16, body: &Value) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = i64::from(status);
    response
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
        .headers
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.body = Some(Body::Text(body.to_string()));
    response
}

/// 400 `invalid request` with per-field details.
pub fn invalid(details: Vec<Detail>) -> ApiGatewayProxyResponse {
    json_response(
        400,
        &json!({ "error": "invalid request", "details": details }),
    )
}

/// A 4xx response about the body as a whole.
pub fn body_error(status: u16, error: &str, message: &str) -> ApiGatewayProxyResponse {
    let detail = Detail {
        field: None,
        message: message.to_owned(),
    };
    json_response(status, &json!({ "error": error, "details": [detail] }))
}

/// 405 with `Allow: POST`.
pub fn method_not_allowed() -> ApiGatewayProxyResponse {
    let mut response = body_error(405, "method not allowed", "only POST is supported");
    response
        .headers
        .insert(ALLOW, HeaderValue::from_static("POST"));
    response
}

/// A 5xx response that names the request id and nothing else.
pub fn server_error(status: u16, error: &str, request_id: &str) -> ApiGatewayProxyResponse {
    json_response(status, &json!({ "error": error, "request_id": request_id }))
}

/// 500 `internal error`.
pub fn internal_error(request_id: &str) -> ApiGatewayProxyResponse {
    server_error(500, "internal error", request_id)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Status and parsed body of a response.
    pub(crate) fn status_and_body(response: ApiGatewayProxyResponse) -> (i64, Value) {
        match response.body {
            Some(Body::Text(text)) => (response.status_code, serde_json::from_str(&text).unwrap()),
            other => panic!("unexpected body {other:?}"),
        }
    }

    #[test]
    fn shapes() {
        let r = invalid(vec![Detail::field("email", "is required")]);
        assert_eq!(r.headers.get("content-type").unwrap(), "application/json");
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
        assert_eq!(
            status_and_body(r),
            (
                400,
                json!({"error": "invalid request", "details": [{"field": "email", "message": "is required"}]})
            )
        );
        assert_eq!(
            status_and_body(internal_error("req-1")),
            (
                500,
                json!({"error": "internal error", "request_id": "req-1"})
            )
        );
    }
}
