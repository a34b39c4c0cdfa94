//! Who is asking: the principal the API's authorizer established.
//!
//! API Gateway puts the authorizer's `principalId` (for this API, the token's `sub`) in the
//! integration's `requestContext.authorizer`. An order belongs to that principal, and only
//! to it: it is the partition key of every item written. A request that carries no
//! principal (the method would have to be deployed without its authorizer) is refused.

use aws_lambda_events::apigw::ApiGatewayProxyRequest;

/// Longest principal in UTF-8 bytes (DynamoDB's partition key limit).
pub const MAX_PRINCIPAL_BYTES: usize = 2048;

/// The principal of `request`: `requestContext.authorizer.principalId`, a non-empty string
/// of at most [`MAX_PRINCIPAL_BYTES`]; `None` otherwise.
pub fn principal(request: &ApiGatewayProxyRequest) -> Option<&str> {
    request
        .request_context
        .authorizer
        .fields
        .get("principalId")
        .and_then(serde_json::Value::as_str)
        .filter(|p| !p.is_empty() && p.len() <= MAX_PRINCIPAL_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn request(authorizer: Value) -> ApiGatewayProxyRequest {
        let mut event: Value =
            serde_json::from_str(include_str!("../fixtures/post-orders.json")).unwrap();
        event["requestContext"]["authorizer"] = authorizer;
        serde_json::from_value(event).unwrap()
    }

    #[test]
    fn reads_the_principal_id() {
        let r = request(json!({"principalId": "a@example.com", "sub": "other"}));
        assert_eq!(principal(&r), Some("a@example.com"));
        let long = "p".repeat(MAX_PRINCIPAL_BYTES);
        assert_eq!(
            principal(&request(json!({"principalId": long}))),
            Some(long.as_str())
        );
    }

    #[test]
    fn no_usable_principal() {
        for authorizer in [
            Value::Null,
            json!({}),
            json!({"sub": "a@example.com"}),
            json!({"principalId": ""}),
            json!({"principalId": 7}),
            json!({"principalId": null}),
            json!({"principalId": "p".repeat(MAX_PRINCIPAL_BYTES + 1)}),
        ] {
            assert_eq!(
                principal(&request(authorizer.clone())),
                None,
                "{authorizer}"
            );
        }
    }
}
