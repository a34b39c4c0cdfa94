//! The `POST /orders` handler.

use std::convert::Infallible;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::http::Method;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use lambda_runtime::LambdaEvent;
use serde_json::json;

use crate::principal::principal;
use crate::rate::{Admission, RateLimiter};
use crate::response::{body_error, client_error, internal_error, json_response};
use crate::store::{OrderStore, StoreError};
use crate::validation::{validate, Detail, MAX_BODY_BYTES};

/// How long stored orders live.
pub const TTL_SECONDS: i64 = 24 * 60 * 60;

/// Handles one API Gateway proxy event at `now` (epoch seconds): the orders are written for
/// the request's principal, within its rate limit. Every outcome is an HTTP response; the
/// `Err` type is uninhabited.
pub async fn handle<S: OrderStore, L: RateLimiter>(
    store: &S,
    limiter: &L,
    event: LambdaEvent<ApiGatewayProxyRequest>,
    now: i64,
) -> Result<ApiGatewayProxyResponse, Infallible> {
    let request_id = event
        .payload
        .request_context
        .request_id
        .clone()
        .unwrap_or_else(|| event.context.request_id.clone());
    let request = event.payload;

    if request.http_method != Method::POST {
        let mut response = body_error(405, "method not allowed", "only POST is supported");
        response.headers.insert(
            "allow",
            aws_lambda_events::http::HeaderValue::from_static("POST"),
        );
        return Ok(response);
    }
    let Some(owner) = principal(&request) else {
        tracing::warn!(request_id, "request without an authorized principal");
        return Ok(body_error(
            403,
            "forbidden",
            "the request carries no authorized principal",
        ));
    };

    let raw = request.body.as_deref().unwrap_or_default();
    let decoded;
    let body: &str = if request.is_base64_encoded {
        // Base64 inflates by 4/3: refuse before decoding anything huge.
        if raw.len() > MAX_BODY_BYTES / 3 * 4 + 4 {
            return Ok(too_large());
        }
        decoded = match STANDARD.decode(raw.trim()) {
            Ok(bytes) => bytes,
            Err(_) => {
                return Ok(body_error(
                    400,
                    "body is not valid base64",
                    "isBase64Encoded is set but the body is not base64",
                ))
            }
        };
        match std::str::from_utf8(&decoded) {
            Ok(s) => s,
            Err(_) => {
                return Ok(body_error(
                    400,
                    "body is not valid JSON",
                    "the body is not UTF-8 text",
                ))
            }
        }
    } else {
        raw
    };
    if body.len() > MAX_BODY_BYTES {
        return Ok(too_large());
    }
    if body.trim().is_empty() {
        return Ok(body_error(
            400,
            "body is not valid JSON",
            "a JSON array of orders is required",
        ));
    }

    let orders = match validate(body) {
        Ok(orders) => orders,
        Err(invalid) => {
            tracing::info!(
                request_id,
                error = invalid.error,
                problems = invalid.details.len(),
                "rejected body"
            );
            return Ok(client_error(400, invalid.error, &invalid.details));
        }
    };

    let count = u32::try_from(orders.len()).unwrap_or(u32::MAX);
    match limiter.admit(owner, count, now).await {
        Ok(Admission::Admitted) => {}
        Ok(Admission::Limited { retry_after }) => {
            tracing::info!(
                request_id,
                count,
                retry_after,
                "rate limited; nothing written"
            );
            let mut response = body_error(
                429,
                "rate limit exceeded",
                &format!("too many records from this caller; retry in {retry_after} s"),
            );
            response.headers.insert(
                "retry-after",
                aws_lambda_events::http::HeaderValue::from(retry_after),
            );
            return Ok(response);
        }
        Err(e) => {
            tracing::error!(request_id, error = %e, "counting records failed");
            return Ok(internal_error(&request_id));
        }
    }

    let expires_at = now + TTL_SECONDS;
    match store
        .put_all(owner, &orders, now, expires_at, &request_id)
        .await
    {
        Ok(()) => {
            tracing::info!(
                request_id,
                count = orders.len(),
                expires_at,
                "stored orders"
            );
            Ok(json_response(
                201,
                &json!({ "count": orders.len(), "expires_at": expires_at }),
            ))
        }
        Err(StoreError::Conflict(indices)) => {
            let details: Vec<Detail> = indices
                .into_iter()
                .filter_map(|i| orders.get(i).map(|o| (i, o)))
                .map(|(i, o)| Detail {
                    index: Some(i),
                    field: Some("record_id".to_owned()),
                    message: format!("record_id {:?} already exists", o.record_id),
                })
                .collect();
            tracing::info!(
                request_id,
                conflicts = details.len(),
                "record_id conflict; nothing written"
            );
            Ok(client_error(
                409,
                "record_id already exists; nothing was written",
                &details,
            ))
        }
        Err(e) => {
            tracing::error!(request_id, error = %e, "storing orders failed");
            Ok(internal_error(&request_id))
        }
    }
}

fn too_large() -> ApiGatewayProxyResponse {
    body_error(
        413,
        "request body too large",
        &format!("the body may be at most {MAX_BODY_BYTES} bytes"),
    )
}
