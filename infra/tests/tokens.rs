//! The OAuth token collector stack: the collector's exact grants, its
//! schedule and settings from the context, encryption of what it stores and
//! publishes, and a snapshot of the whole template.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

mod common;

use common::{id, policy_statements};
use constructs::assertions::{Match, Template};
use constructs::Format;
use infra::app::tokens::{refresh_buffer_seconds, TOKENS_PREFIX};
use serde_json::{json, Value as Json};

fn template(context: &[(&str, &str)]) -> Template {
    common::app_template("Tokens", context)
}

fn getatt(id: &str, attribute: &str) -> Json {
    json!({ "Fn::GetAtt": [id, attribute] })
}

fn secret_arn(name: &str) -> Json {
    json!({"Fn::Sub": format!(
        "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{name}-??????"
    )})
}

/// The synthesis error of the app built with `context`.
fn synth_error(context: &[(&str, &str)]) -> String {
    let context = context
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let app = infra::app::build(context, common::workspace_root()).expect("the app builds");
    app.synth(Format::Json).unwrap_err().to_string()
}

#[test]
fn collector_reads_its_provider_secrets_and_writes_its_token_objects_only() {
    let t = template(&[("oauth.providers", "github/acme, okta/globex")]);
    let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
    let bucket = id(&t, "AWS::S3::Bucket", "TokensBucket");
    let topic = id(&t, "AWS::SNS::Topic", "NotificationsTopic");
    let logs = id(&t, "AWS::Logs::LogGroup", "CollectorLogGroup");
    let objects = json!({"Fn::Join": ["", [getatt(&bucket, "Arn"), "/tokens/*"]]});
    assert_eq!(
        policy_statements(&t, "CollectorServiceRole"),
        json!([
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": getatt(&logs, "Arn")},
            {"Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": "*"},
            // The environment is encrypted with the stack's key.
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key},
            // Failed events go to the topic (dead-letter target), encrypted with its
            // key: the stack's, whose data-key grant the bucket's put grant shares.
            {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key},
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": topic}},
            // Exactly the secrets of the configured providers.
            {"Effect": "Allow", "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
             "Resource": [secret_arn("orders/github/acme"), secret_arn("orders/okta/globex")]},
            // The bucket's read grant on the prefix (its key's Decrypt is above):
            // listing the prefix only, so a missing token is a 404, not a 403.
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": getatt(&bucket, "Arn"),
             "Condition": {"StringLike": {"s3:prefix": "tokens/*"}}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": objects},
            // The bucket's put grant (its key statement is the topic's, above).
            {"Effect": "Allow", "Action": ["s3:AbortMultipartUpload", "s3:PutObject"], "Resource": objects}
        ])
    );
}

#[test]
fn collector_runs_alone_on_the_schedule_and_failures_reach_the_topic() {
    let t = template(&[]);
    let function = id(&t, "AWS::Lambda::Function", "Collector");
    let topic = id(&t, "AWS::SNS::Topic", "NotificationsTopic");
    let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
    let bucket = id(&t, "AWS::S3::Bucket", "TokensBucket");
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({
            "ReservedConcurrentExecutions": 1,
            "Timeout": 120,
            "DeadLetterConfig": {"TargetArn": {"Ref": topic}},
            "KmsKeyArn": key,
            "Environment": {"Variables": {
                "OAUTH_APP": "orders",
                "OAUTH_PROVIDERS": "example/demo",
                "TOKENS_BUCKET_NAME": {"Ref": bucket},
                "TOKENS_KMS_KEY_ARN": key,
                "NOTIFY_TOPIC_ARN": {"Ref": topic},
                "REFRESH_BUFFER_SECONDS": "600"
            }}
        }),
    );
    // Failures are notified by the function: Lambda does not retry them.
    t.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        json!({"FunctionName": {"Ref": function}, "Qualifier": "$LATEST", "MaximumRetryAttempts": 0}),
    );
    t.has_resource_properties(
        "AWS::Events::Rule",
        json!({
            "ScheduleExpression": "rate(5 minutes)",
            "State": "ENABLED",
            "Targets": [{"Arn": getatt(&function, "Arn")}]
        }),
    );
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({
            "Principal": "events.amazonaws.com",
            "FunctionName": getatt(&function, "Arn"),
            "SourceArn": getatt(&id(&t, "AWS::Events::Rule", "Schedule"), "Arn")
        }),
    );
}

#[test]
fn rate_and_refresh_buffer_come_from_the_context() {
    assert_eq!(refresh_buffer_seconds(1), 300);
    assert_eq!(refresh_buffer_seconds(5), 600);
    assert_eq!(refresh_buffer_seconds(60), 7200);
    let t = template(&[("oauth.rateMinutes", "30")]);
    t.has_resource_properties(
        "AWS::Events::Rule",
        json!({"ScheduleExpression": "rate(30 minutes)"}),
    );
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({"Environment": {"Variables": {"REFRESH_BUFFER_SECONDS": "3600"}}}),
    );
}

#[test]
fn bad_context_values_are_errors_naming_the_stack_and_the_value() {
    let err = synth_error(&[
        ("oauth.rateMinutes", "0"),
        ("oauth.providers", "github/acme,github,github/acme,a b/c"),
    ]);
    for expected in [
        "Dev/Tokens: context value oauth.rateMinutes='0' must be whole minutes from 1 to 1440",
        "Dev/Tokens: context value oauth.providers: 'github' is not tool/org",
        "Dev/Tokens: context value oauth.providers: 'github/acme' is listed twice",
        "Dev/Tokens: context value oauth.providers: 'a b/c' is not a valid secret name",
    ] {
        assert!(err.contains(expected), "{expected}\nnot in:\n{err}");
    }
}

#[test]
fn tokens_and_notifications_are_encrypted_with_the_stack_key() {
    let t = template(&[]);
    let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
    t.has_resource_properties(
        "AWS::S3::Bucket",
        json!({
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}
            }]},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": true, "BlockPublicPolicy": true,
                "IgnorePublicAcls": true, "RestrictPublicBuckets": true
            },
            "LifecycleConfiguration": {"Rules": [Match::object_equals(json!({
                "Id": "expire-noncurrent-versions",
                "Status": "Enabled",
                "NoncurrentVersionExpiration": {"NoncurrentDays": 1}
            }))]}
        }),
    );
    t.has_resource_properties("AWS::SNS::Topic", json!({"KmsMasterKeyId": key}));
    // The bucket refuses requests without TLS.
    t.has_resource_properties(
        "AWS::S3::BucketPolicy",
        json!({"PolicyDocument": {"Statement": [{
            "Effect": "Deny",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]}}),
    );
}

#[test]
fn tokens_live_under_the_granted_prefix() {
    let provider = include_str!("../../functions/oauth-collector/src/provider.rs");
    assert!(
        provider.contains(&format!("TOKENS_PREFIX: &str = \"{TOKENS_PREFIX}\"")),
        "objects live under the granted prefix"
    );
}

#[test]
fn snapshot() {
    common::assert_snapshot("Dev-Tokens", template(&[]).to_json());
}
