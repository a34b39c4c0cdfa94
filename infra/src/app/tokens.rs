//! The OAuth token collector stack: on a schedule, a
//! function obtains an access token for each configured provider and
//! organization with the client-credentials grant, stores it encrypted with
//! its expiry, and tells a topic about every refresh and every failure.
//!
//! ```text
//! Schedule (rate) ─► collector function ─► Secret orders/{tool}/{org}  (client id, secret, token URL)
//!                          │         └────► token endpoint (HTTPS, outside AWS)
//!                          ├─► Bucket tokens/{tool}/{org}.json (SSE-KMS)
//!                          └─► Topic (refreshed / failed; never the token)
//! ```
//!
//! The provider credentials are not created by the stack: a person stores
//! them (`{app}/{tool}/{org}`, JSON with `client_id`, `client_secret`,
//! `token_url`; see `functions/oauth-collector`) and the function may read
//! exactly those secrets. Tokens are kept in S3 under SSE-KMS rather than in
//! Secrets Manager: see the crate documentation of `functions/oauth-collector`.
//!
//! Context values (`-c key=value`):
//!
//! | Key | Meaning | Default |
//! |---|---|---|
//! | `oauth.providers` | comma-separated `tool/org` pairs | `example/demo` |
//! | `oauth.rateMinutes` | minutes between two runs | 5 |
//!
//! The refresh buffer is twice the rate, and at least 5 minutes, so a run
//! always falls inside it before a token expires.
//!
//! The function notifies each provider's failure itself, so Lambda does not
//! retry a failed run (that would repeat the notifications); the failed event
//! also goes to the topic (the dead-letter target), so a crash is heard of too.

use aws_constructs::events::{Schedule, ScheduleRule};
use aws_constructs::iam;
use aws_constructs::kms::{Key, KeyProps};
use aws_constructs::lambda::{DeadLetter, Invocation, RustFunction, RustFunctionProps};
use aws_constructs::s3::{Bucket, BucketProps};
use aws_constructs::secretsmanager::{
    secret_arn_for_name, tool_secret, NameError, SECRET_READ_ACTIONS,
};
use aws_constructs::sns::{Topic, TopicProps};
use constructs::{Output, Stack, Stage};
use env_names::oauth_collector;

use super::orders::APP;
use super::Env;

/// The stack's id in its stage (CloudFormation stack `Dev-Tokens`).
pub const STACK_ID: &str = "Tokens";
/// Context key: the providers, `tool/org[,tool/org…]`.
pub const PROVIDERS_CONTEXT: &str = "oauth.providers";
/// Context key: minutes between two runs of the collector.
pub const RATE_CONTEXT: &str = "oauth.rateMinutes";
/// The providers when the context names none.
pub const DEFAULT_PROVIDERS: &str = "example/demo";
/// Minutes between two runs when the context does not say.
pub const DEFAULT_RATE_MINUTES: u32 = 5;
/// Where tokens are stored in the bucket: `tokens/{tool}/{org}.json`.
pub const TOKENS_PREFIX: &str = "tokens/";

/// A provider and organization whose token is collected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    /// The tool (provider) segment of the secret name.
    pub tool: String,
    /// The organization segment.
    pub org: String,
}

impl Provider {
    /// The name of the secret holding this provider's client credentials.
    pub fn secret_name(&self) -> Result<String, NameError> {
        tool_secret(APP, &self.tool, &self.org)
    }
}

/// Adds the `Tokens` stack to `stage`.
pub fn build(stage: &Stage, env: Env) -> Stack {
    let stack = stage.stack(STACK_ID);
    stack.set_description(
        "OAuth token collector: scheduled client-credentials refresh, tokens stored encrypted",
    );
    let providers = providers_from_context(&stack);
    let rate_minutes = rate_from_context(&stack);

    let key = Key::new(
        &stack,
        "Key",
        KeyProps {
            description: Some(format!(
                "OAuth tokens ({}): token objects, notifications, logs and function environment",
                env.name()
            )),
            removal_policy: env.removal_policy(),
        },
    );
    let bucket = Bucket::new(
        &stack,
        "TokensBucket",
        BucketProps {
            encryption_key: Some(key.clone()),
            // Old versions hold expired tokens only; keep them a day for forensics.
            noncurrent_version_expiration_days: 1,
            removal_policy: env.removal_policy(),
            ..BucketProps::default()
        },
    );
    let topic = Topic::new(
        &stack,
        "NotificationsTopic",
        TopicProps {
            encryption_key: Some(key.clone()),
            display_name: Some(format!("OAuth token collector ({})", env.name())),
        },
    );

    let collector = RustFunction::new(
        &stack,
        "Collector",
        RustFunctionProps {
            // Up to 4 attempts of at most 10 s each per provider, with backoff.
            timeout_seconds: 120,
            // One run at a time: two would refresh the same tokens twice.
            reserved_concurrency: Some(1),
            invocation: Invocation::Asynchronous(DeadLetter::Topic(topic.clone())),
            ..env.function_props(
                "functions/oauth-collector",
                "Refreshes the OAuth access tokens of the configured providers",
                &key,
            )
        },
    );
    let provider_list: Vec<String> = providers
        .iter()
        .map(|p| format!("{}/{}", p.tool, p.org))
        .collect();
    collector.add_environment(oauth_collector::OAUTH_APP, APP);
    collector.add_environment(oauth_collector::OAUTH_PROVIDERS, provider_list.join(","));
    collector.add_environment(oauth_collector::TOKENS_BUCKET_NAME, bucket.bucket_name());
    collector.add_environment(oauth_collector::TOKENS_KMS_KEY_ARN, key.arn());
    collector.add_environment(oauth_collector::NOTIFY_TOPIC_ARN, topic.arn());
    collector.add_environment(
        oauth_collector::REFRESH_BUFFER_SECONDS,
        refresh_buffer_seconds(rate_minutes).to_string(),
    );

    let secrets = providers
        .iter()
        .filter_map(|p| p.secret_name().ok())
        .map(|name| secret_arn_for_name(&name))
        .collect();
    iam::grant(&collector, SECRET_READ_ACTIONS, secrets);
    // Each grant includes the key: decrypting to read, data keys to write (SSE-KMS).
    // Listing the prefix makes S3 answer 404, not 403, for a token not stored yet.
    let tokens = format!("{TOKENS_PREFIX}*");
    bucket.grant_read(&collector, &tokens);
    bucket.grant_put(&collector, &tokens);
    topic.grant_publish(&collector);

    let rule = ScheduleRule::new(
        &stack,
        "Schedule",
        Schedule::Minutes(rate_minutes),
        "Runs the OAuth token collector",
    );
    rule.add_function_target("Collector", &collector);
    // The collector notifies each failure itself; Lambda's retries would repeat them.
    collector.set_async_retry_attempts(0);

    stack.output(
        "TokensBucketName",
        Output::new(bucket.bucket_name())
            .description("Bucket holding tokens/{tool}/{org}.json (SSE-KMS)"),
    );
    stack.output(
        "NotificationsTopicArn",
        Output::new(topic.arn()).description("Topic told of every refresh and failure"),
    );
    stack
}

/// Seconds before expiry at which a token is refreshed: twice the rate, and
/// at least 5 minutes.
pub fn refresh_buffer_seconds(rate_minutes: u32) -> u32 {
    (2 * rate_minutes * 60).max(300)
}

fn providers_from_context(stack: &Stack) -> Vec<Provider> {
    let raw = stack
        .context(PROVIDERS_CONTEXT)
        .unwrap_or_else(|| DEFAULT_PROVIDERS.to_owned());
    let mut providers: Vec<Provider> = Vec::new();
    for item in raw.split(',').map(str::trim) {
        let error = |why: String| {
            stack.add_error(format!("context value {PROVIDERS_CONTEXT}: '{item}' {why}"));
        };
        let Some((tool, org)) = item.split_once('/') else {
            error(format!(
                "is not tool/org (e.g. -c {PROVIDERS_CONTEXT}=github/acme,okta/acme)"
            ));
            continue;
        };
        let provider = Provider {
            tool: tool.to_owned(),
            org: org.to_owned(),
        };
        if let Err(why) = provider.secret_name() {
            error(format!("is not a valid secret name: {why}"));
        } else if providers.contains(&provider) {
            error("is listed twice".to_owned());
        } else {
            providers.push(provider);
        }
    }
    providers
}

fn rate_from_context(stack: &Stack) -> u32 {
    match stack.context(RATE_CONTEXT) {
        None => DEFAULT_RATE_MINUTES,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=1440).contains(&n) => n,
            _ => {
                stack.add_error(format!(
                    "context value {RATE_CONTEXT}='{v}' must be whole minutes from 1 to 1440 \
                     (default {DEFAULT_RATE_MINUTES})"
                ));
                DEFAULT_RATE_MINUTES
            }
        },
    }
}
