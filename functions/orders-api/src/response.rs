//! JSON responses.

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::header::{HeaderValue, CONTENT_TYPE};
use serde_json::{json, Value};

use crate::validation::Detail;

/// A response with a JSON body.
pub fn json_response(status: u16, body: &Value) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = i64::from(status);
    response
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.body = Some(Body::Text(body.to_string()));
    response
}

/// A 4xx response `{"error": ..., "details": [...]}`.
pub fn client_error(status: u16, error: &str, details: &[Detail]) -> ApiGatewayProxyResponse {
    json_response(status, &json!({ "error": error, "details": details }))
}

/// A 4xx response with one detail about the body as a whole.
pub fn body_error(status: u16, error: &str, message: &str) -> ApiGatewayProxyResponse {
    client_error(
        status,
        error,
        &[Detail {
            index: None,
            field: None,
            message: message.to_owned(),
        }],
    )
}

/// A 500 response that names the request id and nothing else.
pub fn internal_error(request_id: &str) -> ApiGatewayProxyResponse {
    json_response(
        500,
        &json!({ "error": "internal error", "request_id": request_id }),
    )
}
