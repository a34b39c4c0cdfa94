//! The two-factor stack: `POST /otp` sends a single-use
//! 6-digit code to an email address (or by SMS), `POST /otp/verify` checks it
//! and answers with a short-lived JWT signed with the orders API's key, which
//! the orders authorizer accepts.
//!
//! ```text
//! client ─► RestApi POST /otp        ─► create function ─► Table (keyed hashes, TTL expires_at)
//!                   │                        ├─► SES (email)  └─► SNS (SMS, with otp.sms=true)
//!                   └ POST /otp/verify ─► verify function ─► Table
//!                                            └─► Secret orders/{env}/jwt-signing-key (Orders stack)
//! ```
//!
//! Both methods are public: they are how a caller obtains a token. Abuse is
//! bounded by the stage's throttling, the functions' reserved concurrency, a
//! live code never being replaced by a new request, send limits per mailbox
//! (`a+1@x` and `a+2@x` are one), per phone number, per mail domain per day
//! and in all per day, and a per-code limit on attempts (see
//! `functions/otp-create` and `functions/otp-verify`). When the daily budget
//! refuses a send, the create function writes the `DailyBudgetExhausted`
//! metric and the `DailyBudgetAlarm` notifies the `AlarmTopic` (subscribe to
//! it: output `AlarmTopicArn`). What a deployment should add in front (a WAF
//! rate rule, a CAPTCHA) is in the README, "Two-factor abuse".
//!
//! Codes and addresses are stored only as HMACs keyed with a generated secret
//! (`orders/{env}/otp-hash-key`), so the table alone reveals neither. The
//! functions' table permissions are limited by `dynamodb:LeadingKeys` to the
//! items they use: the create function writes codes and send counters and
//! reads phone registrations, the verify function updates codes; neither can
//! write a phone registration.
//!
//! Context values (`-c key=value`):
//!
//! | Key | Meaning | Default |
//! |---|---|---|
//! | `otp.sender` | the From address; it (or its domain) must be a verified SES identity | `no-reply@example.com` |
//! | `otp.sms` | `true` lets callers ask for delivery by SMS | `false` |
//! | `otp.dailyBudget` | codes sent in all per day (24 h from the first) | 1,000 (dev), 10,000 (prod) |
//! | `otp.domainDailyLimit` | codes sent to one mail domain per day; at most the budget | a quarter of the budget |
//!
//! The stack does not create the SES identity: an account usually verifies a
//! domain once for all its senders, and a second `AWS::SES::EmailIdentity`
//! for it would fail. Outside the SES sandbox any recipient works; inside it,
//! recipients must be verified too.
//!
//! SMS goes only to the phone number registered for the address (item
//! `phone#<keyed hash>`, written by user management through
//! `otp::register_phone`, never through the API), so a caller cannot have a
//! code for someone else's address sent to their own phone.
//!
//! SMS to a phone number has no ARN to grant `sns:Publish` on. With
//! `otp.sms=true` the create function may publish to `*` and is denied every
//! topic, so it can send SMS and nothing else.

use aws_constructs::apigateway::{Authorization, HttpMethod, RestApi, RestApiProps};
use aws_constructs::arn::{format_arn, ArnComponents};
use aws_constructs::dynamodb::{Attribute, Table, TableProps};
use aws_constructs::iam::{self, PolicyStatement, ServicePrincipal};
use aws_constructs::kms::{Key, KeyProps};
use aws_constructs::lambda::{RustFunction, RustFunctionProps};
use aws_constructs::secretsmanager::{app_secret, Secret, SecretProps};
use aws_constructs::sns::{Topic, TopicProps};
use cfn::cloudwatch::alarm::{ComparisonOperator, Dimension, Statistic, TreatMissingData};
use cfn::cloudwatch::Alarm;
use constructs::value::list;
use constructs::{Output, Stack, Stage};
use env_names::{otp, otp_create, otp_verify};
use serde_json::json;

use super::orders::{self, APP};
use super::{read_context, Env};

/// The stack's id in its stage (CloudFormation stack `Dev-TwoFactor`).
pub const STACK_ID: &str = "TwoFactor";
/// Context key: the From address of the code emails.
pub const SENDER_CONTEXT: &str = "otp.sender";
/// Context key: whether SMS delivery may be requested.
pub const SMS_CONTEXT: &str = "otp.sms";
/// Context key: codes sent in all per day.
pub const DAILY_BUDGET_CONTEXT: &str = "otp.dailyBudget";
/// Context key: codes sent to one mail domain per day.
pub const DOMAIN_DAILY_LIMIT_CONTEXT: &str = "otp.domainDailyLimit";
/// Wrong guesses that kill a code; both functions get it (`OTP_MAX_ATTEMPTS`).
pub const MAX_ATTEMPTS: u32 = 5;
/// The From address when the context does not name one.
pub const DEFAULT_SENDER: &str = "no-reply@example.com";
/// The name segment of the code-hashing key's secret.
pub const HASH_KEY_SECRET: &str = "otp-hash-key";
/// The table's partition key (`functions/otp`).
pub const PARTITION_KEY: &str = "pk";
/// The table's TTL attribute, epoch seconds (`functions/otp`).
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// What the create function reads in the table (`functions/otp`,
/// `store.rs`): the phone registered for SMS.
pub const CREATE_READ_ACTIONS: &[&str] = &["dynamodb:GetItem"];
/// The partition keys it may read (`dynamodb:LeadingKeys` patterns).
pub const CREATE_READ_KEYS: &[&str] = &["phone#*"];
/// What the create function writes: puts a code item (conditionally), counts
/// a send with a conditional update (or opens a new window with a
/// conditional put), and deletes a code it did not send.
pub const CREATE_WRITE_ACTIONS: &[&str] = &[
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];
/// The partition keys it may write: codes and send counters, never a phone
/// registration (`phone#…`, written by user management only).
pub const CREATE_WRITE_KEYS: &[&str] = &["code#*", "sends#*"];
/// What the verify function does to the table: redeems the code or counts a
/// wrong guess, each with a conditional update (it reads nothing first).
pub const VERIFY_TABLE_ACTIONS: &[&str] = &["dynamodb:UpdateItem"];
/// The partition keys it may update: codes.
pub const VERIFY_KEYS: &[&str] = &["code#*"];
/// Sending the code email (SES v2 `SendEmail` is authorized as `ses:SendEmail`).
pub const SEND_EMAIL_ACTIONS: &[&str] = &["ses:SendEmail"];
/// Sending the code by SMS.
pub const SEND_SMS_ACTIONS: &[&str] = &["sns:Publish"];

/// The metric the create function writes when the daily budget refuses a
/// send (`functions/otp-create`, `metrics.rs`): namespace, name, dimension.
pub const BUDGET_METRIC: (&str, &str, &str) =
    ("Orders/TwoFactor", "DailyBudgetExhausted", "FunctionName");

/// Settings that differ between environments.
struct Settings {
    rate_limit: f64,
    burst_limit: u32,
    /// Reserved per function. The create function answers no sooner than its
    /// 1 s response floor, so this also caps `POST /otp` at this many
    /// requests a second, far above any daily budget.
    concurrency: u32,
    daily_budget: u32,
}

impl Settings {
    fn of(env: Env) -> Settings {
        match env {
            Env::Dev => Settings {
                rate_limit: 5.0,
                burst_limit: 10,
                concurrency: 5,
                daily_budget: 1_000,
            },
            Env::Prod => Settings {
                rate_limit: 50.0,
                burst_limit: 100,
                concurrency: 20,
                daily_budget: 10_000,
            },
        }
    }
}

/// Adds the `TwoFactor` stack to `stage`; the verify function signs with the
/// JWT key of `orders`.
pub fn build(stage: &Stage, env: Env, orders: &orders::Orders) -> Stack {
    let s = Settings::of(env);
    let stack = stage.stack(STACK_ID);
    stack.set_description(
        "Two-factor codes: POST /otp sends a single-use code, POST /otp/verify returns a JWT",
    );
    let sender = sender_from_context(&stack);
    let sms = sms_from_context(&stack);
    let budget = budget_from_context(&stack, s.daily_budget);

    let key = Key::new(
        &stack,
        "Key",
        KeyProps {
            description: Some(format!(
                "Two-factor codes ({}): table, hash key secret, function environments and logs",
                env.name()
            )),
            removal_policy: env.removal_policy(),
        },
    );
    let table = Table::new(
        &stack,
        "CodesTable",
        TableProps {
            time_to_live_attribute: Some(TTL_ATTRIBUTE.to_owned()),
            encryption_key: Some(key.clone()),
            removal_policy: env.removal_policy(),
            ..TableProps::new(Attribute::string(PARTITION_KEY))
        },
    );
    let name = app_secret(APP, env.name(), HASH_KEY_SECRET)
        .unwrap_or_else(|e| unreachable!("constant secret name parts are valid: {e}"));
    let hash_key = Secret::new(
        &stack,
        "HashKeySecret",
        SecretProps {
            description: Some("HMAC key under which codes and addresses are stored".into()),
            encryption_key: Some(key.clone()),
            removal_policy: env.removal_policy(),
            checkov_skips: vec![super::hash_key_rotation_skip()],
            ..SecretProps::new(name)
        },
    );

    let function = |id: &str, crate_dir: &str, description: &str| {
        let f = RustFunction::new(
            &stack,
            id,
            RustFunctionProps {
                reserved_concurrency: Some(s.concurrency),
                ..env.function_props(crate_dir, description, &key)
            },
        );
        f.add_environment(otp::OTP_TABLE_NAME, table.table_name());
        f.add_environment(otp::OTP_HASH_KEY_SECRET_ARN, hash_key.arn());
        f.add_environment(otp::OTP_MAX_ATTEMPTS, MAX_ATTEMPTS.to_string());
        hash_key.grant_read(&f);
        f
    };

    let create = function(
        "CreateFunction",
        "functions/otp-create",
        "POST /otp: sends a single-use code by email (or SMS)",
    );
    create.add_environment(otp_create::OTP_SENDER, sender.address.as_str());
    create.add_environment(otp_create::OTP_DAILY_BUDGET, budget.daily.to_string());
    create.add_environment(
        otp_create::OTP_DOMAIN_DAILY_LIMIT,
        budget.per_domain.to_string(),
    );
    table.grant_on_partition_keys(&create, CREATE_READ_ACTIONS, CREATE_READ_KEYS);
    table.grant_on_partition_keys(&create, CREATE_WRITE_ACTIONS, CREATE_WRITE_KEYS);
    iam::grant(
        &create,
        SEND_EMAIL_ACTIONS,
        [&sender.address, &sender.domain]
            .into_iter()
            .map(|identity| format_arn(&ArnComponents::new("ses", "identity").name(identity)))
            .collect(),
    );
    if sms {
        create.add_environment(otp_create::OTP_SMS_ENABLED, "true");
        iam::grant_statement(
            &create,
            PolicyStatement::allow(SEND_SMS_ACTIONS.iter().copied(), ["*".into()]),
        );
        iam::grant_statement(
            &create,
            PolicyStatement::deny(
                SEND_SMS_ACTIONS.iter().copied(),
                [format_arn(
                    &ArnComponents::new("sns", "*").region("*").account("*"),
                )],
            ),
        );
        if let Some(policy) = create.role().default_policy() {
            policy.add_metadata(
                "checkov",
                json!({"skip": [{
                    "id": "CKV_AWS_111",
                    "comment": "sns:Publish to a phone number (SMS) has no ARN; every topic is denied"
                }]}),
            );
        }
    }

    let verify = function(
        "VerifyFunction",
        "functions/otp-verify",
        "POST /otp/verify: checks a code and returns a JWT the orders API accepts",
    );
    verify.add_environment(otp_verify::JWT_SECRET_ARN, orders.jwt_secret.arn());
    verify.add_environment(otp_verify::JWT_ISSUER, orders.token_issuer.as_str());
    verify.add_environment(otp_verify::JWT_AUDIENCE, orders.token_audience.as_str());
    orders.jwt_secret.grant_read(&verify);
    table.grant_on_partition_keys(&verify, VERIFY_TABLE_ACTIONS, VERIFY_KEYS);

    let alarm_topic = budget_alarm(&stack, env, &key, &create);

    let api = RestApi::new(
        &stack,
        "Api",
        RestApiProps {
            name: Some(format!("{APP}-otp-{}", env.name())),
            description: Some("Two-factor codes".into()),
            throttling_rate_limit: s.rate_limit,
            throttling_burst_limit: s.burst_limit,
            access_log_retention: env.log_retention(),
            access_log_removal_policy: env.removal_policy(),
            encryption_key: Some(key.clone()),
            // The Orders stack (deployed first) sets the account's logging role.
            cloud_watch_role: false,
            stage_checkov_skips: vec![super::api_cache_skip()],
            ..RestApiProps::default()
        },
    );
    let otp = api.add_resource_path("/otp");
    otp.add_method(
        HttpMethod::Post,
        &create,
        Authorization::Public {
            reason:
                "Sends a sign-in code: callers have no token yet. Throttled, limited per address",
        },
    );
    otp.add_resource("verify").add_method(HttpMethod::Post,
        &verify,
        Authorization::Public {
            reason: "Exchanges a sign-in code for a token: callers have no token yet. Throttled, limited attempts per code",
        },
    );
    // Make the dependency on the Orders stack explicit: the stage needs the
    // account's logging role that Orders sets.
    stack.add_dependency(&orders.stack);

    stack.output(
        "ApiUrl",
        Output::new(api.url())
            .description("URL of the API's stage; POST {ApiUrl}otp, then {ApiUrl}otp/verify"),
    );
    stack.output(
        "TableName",
        Output::new(table.table_name()).description("Name of the codes table"),
    );
    stack.output(
        "AlarmTopicArn",
        Output::new(alarm_topic.arn())
            .description("Topic of the two-factor alarms (the daily send budget is spent)"),
    );
    stack
}

/// The alarm on the create function's `DailyBudgetExhausted` metric and the
/// encrypted topic it notifies; returns the topic.
fn budget_alarm(stack: &Stack, env: Env, key: &Key, create: &RustFunction) -> Topic {
    let topic = Topic::new(
        stack,
        "AlarmTopic",
        TopicProps {
            encryption_key: Some(key.clone()),
            display_name: Some(format!("Two-factor alarms ({})", env.name())),
        },
    );
    // Named, so that the key policy can name the alarm's ARN without a
    // reference (key → alarm → topic → key would be a cycle); after the
    // stack, like the names CloudFormation generates (`Dev-TwoFactor-…`).
    let name = format!("{}-DailyBudgetExhausted", stack.stack_name());
    let arn = format_arn(&ArnComponents::new("cloudwatch", "alarm").colon_name(&name));
    let (namespace, metric, dimension) = BUDGET_METRIC;
    stack.scope("DailyBudgetAlarm").add(
        "Resource",
        Alarm::new()
            .alarm_name(name)
            .alarm_description(format!(
                "POST /otp refused sends: the daily budget ({DAILY_BUDGET_CONTEXT}) is spent. \
                 Look for abuse (WAF, access logs) before raising it."
            ))
            .namespace(namespace)
            .metric_name(metric)
            .dimensions(list([Dimension::new(create.function_name(), dimension)]))
            .statistic(Statistic::Sum)
            .period(300)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .treat_missing_data(TreatMissingData::NotBreaching)
            .actions_enabled(true)
            .alarm_actions(list([topic.arn()])),
    );
    // The topic grant writes the topic policy and the key policy, both only for this alarm.
    topic.grant_publish(&ServicePrincipal::new("cloudwatch.amazonaws.com").with_source_arn(arn));
    topic
}

/// The daily send budget and the part of it one mail domain may use.
struct Budget {
    daily: u32,
    per_domain: u32,
}

fn budget_from_context(stack: &Stack, default: u32) -> Budget {
    let daily = read_context(stack, DAILY_BUDGET_CONTEXT, default, 1);
    let quarter = (daily / 4).max(1);
    let per_domain = read_context(stack, DOMAIN_DAILY_LIMIT_CONTEXT, quarter, 1);
    if per_domain > daily {
        stack.add_error(format!(
            "context value {DOMAIN_DAILY_LIMIT_CONTEXT}='{per_domain}' exceeds the daily budget \
             ({DAILY_BUDGET_CONTEXT}={daily}); lower it or raise the budget"
        ));
    }
    Budget {
        daily,
        per_domain: per_domain.min(daily),
    }
}

/// The From address and its domain.
struct Sender {
    address: String,
    domain: String,
}

fn sender_from_context(stack: &Stack) -> Sender {
    let address = stack
        .context(SENDER_CONTEXT)
        .unwrap_or_else(|| DEFAULT_SENDER.to_owned());
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_+.".contains(c))
    };
    match address.split_once('@') {
        Some((local, domain)) if valid(local) && valid(domain) && domain.contains('.') => Sender {
            domain: domain.to_ascii_lowercase(),
            address,
        },
        _ => {
            stack.add_error(format!(
                "context value {SENDER_CONTEXT}='{address}' is not an email address \
                 (e.g. -c {SENDER_CONTEXT}=no-reply@example.com)"
            ));
            Sender {
                address: DEFAULT_SENDER.to_owned(),
                domain: "example.com".to_owned(),
            }
        }
    }
}

fn sms_from_context(stack: &Stack) -> bool {
    match stack.context(SMS_CONTEXT).as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            stack.add_error(format!(
                "context value {SMS_CONTEXT}='{other}' must be true or false"
            ));
            false
        }
    }
}
