//! The collector and the token client against moto (S3 + KMS, SNS, Secrets Manager) and a
//! scripted local OAuth endpoint. Run by `scripts/test.sh` with `--include-ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

mod support;

use std::time::Duration;

use aws_sdk_s3::types::ServerSideEncryption;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use oauth_collector::{CollectReport, Collector, Endpoints, HttpClient, Revocation, TokenError};
use serde_json::{json, Value};
use support::oauth_server::{OAuthServer, Recorded, Reply};
use support::{capture_logs, retry, FakeTime, Moto};

const CLIENT_SECRET: &str = "cl1ent-s3cret+/:x";

fn secret_json(server: &OAuthServer, extra: Value) -> String {
    let mut secret = json!({
        "client_id": "collector-id",
        "client_secret": CLIENT_SECRET,
        "token_url": format!("{}/oauth/token", server.url),
        "scope": "read",
    });
    secret
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    secret.to_string()
}

/// The `client_id:client_secret` of a request's Basic authentication (form-encoded parts).
fn basic_credentials(request: &Recorded) -> String {
    let basic = request.headers["authorization"]
        .strip_prefix("Basic ")
        .unwrap();
    String::from_utf8(aws_smithy_types::base64::decode(basic).unwrap()).unwrap()
}

async fn run<K: secrets_client::SecretStore>(
    collector: &Collector<K>,
    payload: Value,
) -> Result<CollectReport, Diagnostic> {
    collector
        .handle(LambdaEvent::new(payload, Context::default()))
        .await
        .map_err(Diagnostic::from)
}

/// A scheduled event as EventBridge sends it.
fn scheduled() -> Value {
    json!({"version": "0", "id": "e", "detail-type": "Scheduled Event", "source": "aws.events",
           "account": "123456789012", "time": "2024-01-01T00:00:00Z", "region": "us-east-1",
           "resources": ["arn:aws:events:us-east-1:123456789012:rule/tokens"], "detail": {}})
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn token_is_stored_encrypted_with_its_expiry_and_notified() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![Reply::token("tok-stored-1", 3600)]).await;
    let acme = moto
        .secret(
            "example",
            "acme",
            &secret_json(&server, json!({"audience": "https://api.example.com"})),
        )
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme.clone()]);

    let report = run(&collector, scheduled()).await.unwrap();
    let now = time.epoch_now();
    assert_eq!(
        serde_json::to_value(&report).unwrap(),
        json!({"providers": [{"provider": "example", "org": "acme", "outcome": "refreshed",
            "expires_at": now + 3600, "attempts": 1}]})
    );

    let (document, object) = moto.stored(&acme).await.expect("the token object exists");
    assert_eq!(
        document,
        json!({"access_token": "tok-stored-1", "token_type": "Bearer", "scope": "read",
            "expires_at": now + 3600, "obtained_at": now})
    );
    assert_eq!(
        object.server_side_encryption(),
        Some(&ServerSideEncryption::AwsKms)
    );
    assert_eq!(object.ssekms_key_id(), Some(moto.key_arn.as_str()));

    // The grant: form-encoded client credentials with Basic authentication.
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/oauth/token");
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let form = request.form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["scope"], "read");
    assert_eq!(form["audience"], "https://api.example.com");
    assert!(!form.contains_key("client_secret"));
    let basic = request.headers["authorization"]
        .strip_prefix("Basic ")
        .unwrap();
    let decoded = aws_smithy_types::base64::decode(basic).unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        "collector-id:cl1ent-s3cret%2B%2F%3Ax"
    );

    let notifications = moto.notifications().await;
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0].0, "OAuth token refreshed: example/acme");
    assert_eq!(
        notifications[0].1,
        json!({"provider": "example", "org": "acme", "outcome": "refreshed",
            "expires_at": now + 3600, "attempts": 1})
    );
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn fresh_token_is_not_fetched_again_and_refreshed_inside_the_buffer() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![
        Reply::token("tok-a", 3600),
        Reply::token("tok-b", 3600),
    ])
    .await;
    let acme = moto
        .secret("example", "acme", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme.clone()]);

    run(&collector, scheduled()).await.unwrap();
    // 3600 - 3000 = 600 s left > the 300 s buffer: skipped, nothing fetched, not notified.
    time.advance(Duration::from_secs(3000));
    let report = run(&collector, scheduled()).await.unwrap();
    assert_eq!(report.providers[0].outcome, "skipped");
    assert_eq!(report.providers[0].attempts, 0);
    assert_eq!(server.requests().len(), 1);
    assert_eq!(moto.notifications().await.len(), 1);

    // 200 s left: inside the buffer, refreshed.
    time.advance(Duration::from_secs(400));
    let report = run(&collector, scheduled()).await.unwrap();
    assert_eq!(report.providers[0].outcome, "refreshed");
    assert_eq!(server.requests().len(), 2);
    let (document, _) = moto.stored(&acme).await.unwrap();
    assert_eq!(document["access_token"], "tok-b");
    assert_eq!(document["expires_at"], time.epoch_now() + 3600);

    // The consumer API reads the same object.
    let token = collector
        .client()
        .access_token("example", "acme")
        .await
        .unwrap();
    assert_eq!(token.secret(), "tok-b");
    assert_eq!(server.requests().len(), 2);

    // force_refresh fetches even a fresh token.
    let report = run(&collector, json!({"force_refresh": true}))
        .await
        .unwrap();
    assert_eq!(report.providers[0].outcome, "refreshed");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn transient_500s_are_retried_within_the_bound() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![
        Reply::status(500),
        Reply::status(500),
        Reply::token("tok-after-500s", 3600),
    ])
    .await;
    let acme = moto
        .secret("example", "acme", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new();
    let settings = retry(4);
    let collector = moto.collector(&time, settings, vec![acme.clone()]);

    let report = run(&collector, scheduled()).await.unwrap();
    assert_eq!(report.providers[0].outcome, "refreshed");
    assert_eq!(report.providers[0].attempts, 3);
    assert_eq!(server.requests().len(), 3);
    let sleeps = time.sleeps();
    assert_eq!(sleeps.len(), 2);
    for (attempt, sleep) in (1..).zip(&sleeps) {
        assert!(*sleep <= settings.policy.backoff_cap(attempt), "{sleep:?}");
    }
    assert_eq!(
        moto.stored(&acme).await.unwrap().0["access_token"],
        "tok-after-500s"
    );
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn persistent_500s_stop_after_the_bounded_attempts_and_notify_failure() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![Reply::status(500)]).await;
    let acme = moto
        .secret("example", "acme", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme.clone()]);

    let err = run(&collector, scheduled()).await.unwrap_err();
    assert_eq!(err.error_type, "TokenCollectionFailed");
    assert_eq!(
        err.error_message,
        "token collection failed for example/acme (unavailable)"
    );
    assert_eq!(server.requests().len(), 4);
    assert_eq!(time.sleeps().len(), 3);
    assert!(moto.stored(&acme).await.is_none());
    let notifications = moto.notifications().await;
    assert_eq!(notifications.len(), 1);
    assert_eq!(
        notifications[0].0,
        "OAuth token refresh FAILED: example/acme"
    );
    assert_eq!(
        notifications[0].1,
        json!({"provider": "example", "org": "acme", "outcome": "failed",
            "error_kind": "unavailable",
            "error": "the endpoint was unavailable after 4 attempt(s): HTTP 500", "attempts": 4})
    );
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn retry_after_is_honoured_on_429() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![
        Reply::Json(429, vec![("Retry-After", "7".into())], "{}".into()),
        Reply::token("tok-after-429", 3600),
    ])
    .await;
    let acme = moto
        .secret("example", "acme", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme]);

    let report = run(&collector, scheduled()).await.unwrap();
    assert_eq!(report.providers[0].attempts, 2);
    assert_eq!(time.sleeps(), [Duration::from_secs(7)]);

    // An HTTP-date is honoured too, and a long one is capped (10 s by default).
    let server = OAuthServer::start(vec![
        Reply::Json(
            429,
            vec![("Retry-After", "Tue, 14 Nov 2023 22:16:40 GMT".into())],
            "{}".into(),
        ),
        Reply::token("tok-after-date", 3600),
    ])
    .await;
    let globex = moto
        .secret("example", "globex", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new(); // 1,700,000,000 = Tue, 14 Nov 2023 22:13:20 GMT
    let collector = moto.collector(&time, retry(4), vec![globex]);
    run(&collector, scheduled()).await.unwrap();
    assert_eq!(time.sleeps(), [Duration::from_secs(10)]);
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn invalid_client_is_permanent_and_notified_while_other_providers_proceed() {
    let moto = Moto::setup().await;
    let refused = OAuthServer::start(vec![Reply::Json(
        401,
        vec![("WWW-Authenticate", "Basic".into())],
        r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#.into(),
    )])
    .await;
    let fine = OAuthServer::start(vec![Reply::token("tok-globex", 600)]).await;
    let acme = moto
        .secret("example", "acme", &secret_json(&refused, json!({})))
        .await;
    let globex = moto
        .secret("example", "globex", &secret_json(&fine, json!({})))
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme.clone(), globex.clone()]);

    let err = run(&collector, scheduled()).await.unwrap_err();
    assert_eq!(err.error_type, "TokenCollectionFailed");
    assert_eq!(
        err.error_message,
        "token collection failed for example/acme (rejected)"
    );
    assert_eq!(refused.requests().len(), 1);
    assert!(time.sleeps().is_empty());
    assert!(moto.stored(&acme).await.is_none());
    assert_eq!(
        moto.stored(&globex).await.unwrap().0["access_token"],
        "tok-globex"
    );

    let mut notifications = moto.notifications().await;
    notifications.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(notifications.len(), 2);
    assert_eq!(
        notifications[0].0,
        "OAuth token refresh FAILED: example/acme"
    );
    assert_eq!(
        notifications[0].1,
        json!({"provider": "example", "org": "acme", "outcome": "failed", "error_kind": "rejected",
            "error": "the endpoint refused the request with HTTP 401 (invalid_client: Client authentication failed)",
            "attempts": 1})
    );
    assert_eq!(notifications[1].1["outcome"], "refreshed");
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn slow_endpoint_times_out_and_is_retried_as_transient() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![Reply::Slow(Duration::from_secs(3))]).await;
    let acme = moto
        .secret("example", "acme", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new();
    let http = HttpClient::new(Duration::from_millis(300), Duration::from_millis(200));
    let client = moto.client(&time, retry(2), http);

    let started = std::time::Instant::now();
    let err = client.access_token("example", "acme").await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    match &err {
        TokenError::Unavailable { attempts: 2, last } => {
            assert_eq!(last, "no complete response within 200 ms")
        }
        other => panic!("expected Unavailable after 2 attempts, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 2);
    assert_eq!(time.sleeps().len(), 1);
    assert!(moto.stored(&acme).await.is_none());
    assert_eq!(moto.notifications().await[0].1["error_kind"], "unavailable");
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn no_token_or_client_secret_in_logs_or_notifications() {
    const TOKEN: &str = "tok-must-not-leak-7f3a";
    let moto = Moto::setup().await;
    let ok = OAuthServer::start(vec![Reply::token(TOKEN, 3600)]).await;
    let refused = OAuthServer::start(vec![Reply::Json(
        400,
        vec![],
        format!(r#"{{"error":"invalid_grant","echo":"{CLIENT_SECRET}","access_token":"{TOKEN}"}}"#),
    )])
    .await;
    let acme = moto
        .secret(
            "example",
            "acme",
            &secret_json(
                &ok,
                json!({"auth_method": "client_secret_post",
        "revocation_url": format!("{}/oauth/revoke", ok.url)}),
            ),
        )
        .await;
    let globex = moto
        .secret("example", "globex", &secret_json(&refused, json!({})))
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme, globex]);

    let (logs, guard) = capture_logs();
    let err = run(&collector, scheduled()).await.unwrap_err();
    let token = collector
        .client()
        .access_token("example", "acme")
        .await
        .unwrap();
    let shown = format!("{token:?} {err:?}");
    drop(guard);

    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("provider done") && logs.contains("provider failed"),
        "{logs}"
    );
    let basic = aws_smithy_types::base64::encode("collector-id:");
    for text in [
        &logs,
        &shown,
        &serde_json::to_string(
            &moto
                .notifications()
                .await
                .iter()
                .map(|n| &n.1)
                .collect::<Vec<_>>(),
        )
        .unwrap(),
    ] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(
            !text.contains(CLIENT_SECRET),
            "client secret leaked: {text}"
        );
        assert!(!text.contains(&basic[..12]), "Authorization leaked: {text}");
    }
    assert_eq!(token.secret(), TOKEN);
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn revocation_sends_the_rfc7009_form_and_deletes_the_object() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![
        Reply::token("tok-to-revoke", 3600),
        Reply::Json(200, vec![], String::new()),
    ])
    .await;
    let acme = moto
        .secret(
            "example",
            "acme",
            &secret_json(
                &server,
                json!({
        "revocation_url": format!("{}/oauth/revoke", server.url)}),
            ),
        )
        .await;
    let time = FakeTime::new();
    let client = moto.client(&time, retry(4), HttpClient::with_defaults());

    client.access_token("example", "acme").await.unwrap();
    assert!(moto.stored(&acme).await.is_some());
    assert_eq!(
        client.revoke("example", "acme").await.unwrap(),
        Revocation::Revoked
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let revoke = &requests[1];
    assert_eq!(revoke.path, "/oauth/revoke");
    assert_eq!(
        revoke.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert!(revoke.headers["authorization"].starts_with("Basic "));
    let form = revoke.form();
    assert_eq!(form.len(), 2);
    assert_eq!(form["token"], "tok-to-revoke");
    assert_eq!(form["token_type_hint"], "access_token");
    assert!(moto.stored(&acme).await.is_none());

    // Nothing stored any more: nothing is sent.
    assert_eq!(
        client.revoke("example", "acme").await.unwrap(),
        Revocation::NothingStored
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn provider_without_revocation_url_is_unsupported() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![Reply::token("tok-kept", 3600)]).await;
    let acme = moto
        .secret("example", "acme", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new();
    let client = moto.client(&time, retry(4), HttpClient::with_defaults());
    client.access_token("example", "acme").await.unwrap();

    let err = client.revoke("example", "acme").await.unwrap_err();
    assert!(matches!(err, TokenError::Unsupported(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "unsupported: provider example/acme has no `revocation_url` in its secret"
    );
    assert_eq!(server.requests().len(), 1);
    assert!(moto.stored(&acme).await.is_some());
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn invalid_secret_json_names_the_member_and_is_notified() {
    let moto = Moto::setup().await;
    let acme = moto
        .secret("example", "acme", r#"{"client_id": "id", "client_secret": "s3cr3t-value", "token_url": "http://auth.example.com/token"}"#)
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme]);

    let err = collector
        .client()
        .access_token("example", "acme")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_credentials");
    assert_eq!(
        err.to_string(),
        format!("secret `{}/example/acme` is invalid: member `token_url` must be an https:// URL with a host (http:// only for loopback hosts)", moto.app)
    );
    let err = run(&collector, scheduled()).await.unwrap_err();
    assert_eq!(
        err.error_message,
        "token collection failed for example/acme (invalid_credentials)"
    );
    let notifications = moto.notifications().await;
    assert_eq!(notifications.len(), 2);
    assert!(!notifications[0].1.to_string().contains("s3cr3t-value"));
    assert_eq!(notifications[0].1["error_kind"], "invalid_credentials");
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn event_may_select_configured_providers_only() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![Reply::token("tok-sel", 3600)]).await;
    let acme = moto
        .secret("example", "acme", &secret_json(&server, json!({})))
        .await;
    let globex = moto
        .secret("example", "globex", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme, globex.clone()]);

    let report = run(&collector, json!({"providers": ["example/globex"]}))
        .await
        .unwrap();
    assert_eq!(report.providers.len(), 1);
    assert_eq!(report.providers[0].org, "globex");
    assert_eq!(server.requests().len(), 1);

    let err = run(&collector, json!({"providers": ["example/initech"]}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "InvalidCollectorEvent");
    assert_eq!(
        err.error_message,
        "invalid event: provider `example/initech` is not in OAUTH_PROVIDERS"
    );
    let err = run(&collector, json!({"providers": "example/acme"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "InvalidCollectorEvent");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn force_refresh_reads_rotated_credentials_rather_than_the_cached_ones() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![
        Reply::token("tok-before", 3600),
        Reply::token("tok-after", 3600),
    ])
    .await;
    let acme = moto
        .secret("example", "acme", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme.clone()]);
    run(&collector, scheduled()).await.unwrap(); // the credentials are cached now

    moto.rotate(
        &acme,
        &secret_json(&server, json!({"client_secret": "rotated"})),
    )
    .await;
    let report = run(&collector, json!({"force_refresh": true}))
        .await
        .unwrap();
    assert_eq!(report.providers[0].outcome, "refreshed");
    assert_eq!(report.providers[0].attempts, 1);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        basic_credentials(&requests[0]),
        "collector-id:cl1ent-s3cret%2B%2F%3Ax"
    );
    assert_eq!(basic_credentials(&requests[1]), "collector-id:rotated");
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn a_refusal_rereads_the_credentials_and_sends_again_when_they_changed() {
    let moto = Moto::setup().await;
    let old = OAuthServer::start(vec![
        Reply::token("tok-old", 3600),
        Reply::Json(401, vec![], r#"{"error":"invalid_client"}"#.into()),
    ])
    .await;
    let new = OAuthServer::start(vec![
        Reply::token("tok-new", 3600),
        Reply::Json(401, vec![], r#"{"error":"invalid_client"}"#.into()),
    ])
    .await;
    let acme = moto
        .secret("example", "acme", &secret_json(&old, json!({})))
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme.clone()]);
    run(&collector, scheduled()).await.unwrap(); // the credentials are cached now

    // The provider moved and the secret was rotated; the cache still holds the old ones.
    moto.rotate(
        &acme,
        &secret_json(&new, json!({"client_secret": "rotated"})),
    )
    .await;
    time.advance(Duration::from_secs(3500)); // inside the refresh buffer: due, not forced
    let report = run(&collector, scheduled()).await.unwrap();
    assert_eq!(report.providers[0].outcome, "refreshed");
    assert_eq!(report.providers[0].attempts, 2, "the refused one counts");
    assert_eq!(old.requests().len(), 2);
    let sent = new.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(basic_credentials(&sent[0]), "collector-id:rotated");
    assert_eq!(
        moto.stored(&acme).await.unwrap().0["access_token"],
        "tok-new"
    );
    let notifications = moto.notifications().await;
    assert_eq!(notifications[1].1["outcome"], "refreshed");
    assert_eq!(notifications[1].1["attempts"], 2);

    // Refused with credentials that did not change: read again, not sent again.
    time.advance(Duration::from_secs(3500));
    let err = run(&collector, scheduled()).await.unwrap_err();
    assert_eq!(
        err.error_message,
        "token collection failed for example/acme (rejected)"
    );
    assert_eq!(new.requests().len(), 2);
    assert_eq!(moto.notifications().await[2].1["attempts"], 1);
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn a_deployed_client_refuses_plain_http_and_loopback_endpoints_before_any_request() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![Reply::token("never", 3600)]).await;
    moto.secret("example", "acme", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new();
    let client = moto
        .builder(&time, retry(4), HttpClient::with_defaults())
        .endpoints(Endpoints::Remote)
        .build();

    let err = client.access_token("example", "acme").await.unwrap_err();
    assert_eq!(err.kind(), "invalid_credentials");
    assert_eq!(
        err.to_string(),
        format!("secret `{}/example/acme` is invalid: member `token_url` must be an https:// URL whose host is not a loopback one (http:// and loopback hosts are for local runs only)", moto.app)
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn an_oversized_chunked_response_fails_the_provider_without_a_retry() {
    let moto = Moto::setup().await;
    let server = OAuthServer::start(vec![Reply::Chunked(1 << 20)]).await;
    let acme = moto
        .secret("example", "acme", &secret_json(&server, json!({})))
        .await;
    let time = FakeTime::new();
    let collector = moto.collector(&time, retry(4), vec![acme.clone()]);

    let err = run(&collector, scheduled()).await.unwrap_err();
    assert_eq!(
        err.error_message,
        "token collection failed for example/acme (invalid_response)"
    );
    assert_eq!(server.requests().len(), 1);
    assert!(time.sleeps().is_empty());
    assert!(moto.stored(&acme).await.is_none());
    assert_eq!(
        moto.notifications().await[0].1["error"],
        "invalid token response: the response body is larger than 65536 bytes"
    );
}
