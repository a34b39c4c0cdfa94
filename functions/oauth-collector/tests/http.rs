//! The HTTP client's response body cap, against the scripted endpoint (no moto needed).

#[allow(dead_code)] // the moto helpers are for tests/moto.rs
mod support;

use std::time::Duration;

use oauth_collector::http::{TransportError, MAX_BODY_BYTES};
use oauth_collector::oauth::FormRequest;
use oauth_collector::retry::{send, RetrySettings, Timing};
use oauth_collector::{HttpClient, ProviderId, TokenError};
use support::oauth_server::{OAuthServer, Reply};

fn request(server: &OAuthServer) -> FormRequest {
    FormRequest {
        url: format!("{}/oauth/token", server.url),
        authorization: None,
        body: "grant_type=client_credentials".to_owned(),
    }
}

async fn post(reply: Reply) -> Result<usize, TransportError> {
    let server = OAuthServer::start(vec![reply]).await;
    HttpClient::with_defaults()
        .post_form(&request(&server), Duration::from_secs(10))
        .await
        .map(|response| response.body.len())
}

#[tokio::test]
async fn a_chunked_body_is_read_up_to_the_cap_and_refused_past_it() {
    assert_eq!(
        post(Reply::Chunked(MAX_BODY_BYTES)).await,
        Ok(MAX_BODY_BYTES)
    );
    assert_eq!(
        post(Reply::Chunked(MAX_BODY_BYTES + 1)).await,
        Err(TransportError::BodyTooLarge)
    );
    assert_eq!(
        post(Reply::Chunked(16 * MAX_BODY_BYTES)).await,
        Err(TransportError::BodyTooLarge)
    );
}

#[tokio::test]
async fn a_declared_body_over_the_cap_is_refused() {
    let big = "a".repeat(MAX_BODY_BYTES + 1);
    assert_eq!(
        post(Reply::Json(200, vec![], big)).await,
        Err(TransportError::BodyTooLarge)
    );
    let error = format!(r#"{{"error":"{}"}}"#, "a".repeat(MAX_BODY_BYTES));
    assert_eq!(
        post(Reply::Json(400, vec![], error)).await,
        Err(TransportError::BodyTooLarge)
    );
}

#[tokio::test]
async fn an_oversized_body_fails_the_call_without_a_retry() {
    let server = OAuthServer::start(vec![Reply::Chunked(MAX_BODY_BYTES + 1)]).await;
    let provider = ProviderId::new("example", "acme").unwrap();
    let err = send(
        &HttpClient::with_defaults(),
        &RetrySettings::default(),
        &Timing::default(),
        &provider,
        "token",
        &request(&server),
    )
    .await
    .err()
    .unwrap();
    match err {
        TokenError::InvalidResponse { reason, attempts } => {
            assert_eq!(reason, "the response body is larger than 65536 bytes");
            assert_eq!(attempts, 1);
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}
