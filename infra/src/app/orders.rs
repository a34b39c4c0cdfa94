//! The orders stack: `POST /orders` on a REST API,
//! behind a REQUEST authorizer that verifies an HS256 JWT whose key is a
//! generated Secrets Manager secret, proxied to the orders API function,
//! which writes the orders to a table whose items expire after 24 hours.
//!
//! ```text
//! client ─► RestApi  POST /orders ─► orders API function ─► Table (owner + record_id, TTL expires_at)
//!              │ CUSTOM                        └──────────► RateTable (owner + window, TTL expires_at)
//!              └─► authorizer function ─► Secret orders/{env}/jwt-signing-key
//! ```
//!
//! One customer-managed key per stack encrypts the tables, the secret, the
//! functions' environments and every log group.
//!
//! | | `dev` | `prod` |
//! |---|---|---|
//! | API name | `orders-dev` | `orders-prod` |
//! | secret | `orders/dev/jwt-signing-key` | `orders/prod/jwt-signing-key` |
//! | tokens' `iss` / `aud` | `urn:orders:dev:auth` / `urn:orders:dev:api` | `urn:orders:prod:auth` / `urn:orders:prod:api` |
//! | log retention | 14 days | 365 days |
//! | data (tables, secret, key, logs) on stack deletion | deleted | retained |
//! | stage throttling (requests/s, burst) | 10, 20 | 100, 200 |
//! | reserved concurrency (API, authorizer) | 5, 5 | 50, 20 |
//!
//! Tokens: the authorizer requires `iss` = [`token_issuer`] and `aud` =
//! [`token_audience`] (the two-factor service and `infra token` issue them
//! with these values), and refuses a token whose `exp` is more than
//! [`TOKEN_MAX_LIFETIME_SECONDS`] ahead. API Gateway caches its Allow for
//! [`AUTHORIZER_CACHE_TTL_SECONDS`] per `Authorization` value.
//!
//! Orders belong to the principal the authorizer established: the table's
//! key is `owner` (the token's `sub`) and `record_id`, and each principal may
//! write [`RATE_LIMIT_RECORDS`] records per [`RATE_WINDOW_SECONDS`], counted
//! in the rate table.
//!
//! The stack also sets the account's API Gateway CloudWatch Logs role
//! (`cloud_watch_role`, retained with the stack; see
//! `aws_constructs::apigateway`), without which the access-logged stage
//! cannot be created in a fresh account. Reserved concurrency needs an
//! account concurrency limit of at least the reservations plus 10.
//!
//! IAM is exactly what the functions call (pinned by `infra/tests/orders.rs`):
//! the orders API function may `dynamodb:PutItem` on the table,
//! `dynamodb:UpdateItem` on the rate table and use the key; the authorizer
//! may read the secret and decrypt with the key. The only `Resource: "*"` is
//! X-Ray's `PutTraceSegments`/`PutTelemetryRecords`, which have no
//! resource-level permissions (added by every `RustFunction`).
//!
//! Outputs: `ApiUrl` (the stage URL; the endpoint is `{ApiUrl}orders`),
//! `JwtSecretArn`, `TableName`.

use aws_constructs::apigateway::{
    Authorization, HttpMethod, RequestAuthorizerProps, RestApi, RestApiProps,
};
use aws_constructs::dynamodb::{Attribute, Table, TableProps};
use aws_constructs::kms::{Key, KeyProps};
use aws_constructs::lambda::{RustFunction, RustFunctionProps};
use aws_constructs::secretsmanager::{app_secret, Secret, SecretProps};
use constructs::{Output, Stack, Stage};
use env_names::{authorizer, orders_api};

use super::Env;

/// The application segment of secret names, `{app}/{env}/{name}`.
pub const APP: &str = "orders";
/// The name segment of the JWT signing key's secret.
pub const JWT_SECRET: &str = "jwt-signing-key";
/// The table's partition key: the principal that wrote the order
/// (`functions/orders-api`, `store::attr::OWNER`).
pub const PARTITION_KEY: &str = "owner";
/// The table's sort key: the client's id of the order, unique per owner
/// (`store::attr::RECORD_ID`).
pub const SORT_KEY: &str = "record_id";
/// The table's TTL attribute, epoch seconds written by the orders API
/// function as now + 24 h (`store::attr::EXPIRES_AT`).
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// What the orders API function does to the table: one `TransactWriteItems`
/// of conditional `Put`s. A transaction is authorized per item action, and
/// a `Put`'s condition expression needs no `ConditionCheckItem`.
pub const ORDERS_API_TABLE_ACTIONS: &[&str] = &["dynamodb:PutItem"];
/// The rate table's partition key: the principal (`rate::attr::OWNER`).
pub const RATE_PARTITION_KEY: &str = "owner";
/// The rate table's sort key: the window's number (`rate::attr::WINDOW`).
pub const RATE_SORT_KEY: &str = "window";
/// What the orders API function does to the rate table: one conditional
/// `UpdateItem` (`ADD`) per request.
pub const ORDERS_API_RATE_TABLE_ACTIONS: &[&str] = &["dynamodb:UpdateItem"];
/// Records one principal may write per [`RATE_WINDOW_SECONDS`]: ten full
/// requests a minute, far more than a person placing orders needs, and a
/// small share of what one partition of the table takes (1,000 writes/s).
pub const RATE_LIMIT_RECORDS: u32 = 1000;
/// The rate limit's window.
pub const RATE_WINDOW_SECONDS: u32 = 60;

/// The longest lifetime (`exp` − now) of a token the authorizer accepts;
/// `infra token` refuses a longer `--ttl`. The two-factor service issues
/// 15-minute tokens.
pub const TOKEN_MAX_LIFETIME_SECONDS: u32 = 3600;
/// How long API Gateway caches an authorizer's Allow (keyed by the
/// `Authorization` value): one minute per hour of maximum token lifetime.
/// A cached Allow is applied without running the authorizer, so a token
/// passes for up to this long after its `exp` (plus the leeway, 30 s by
/// default, 60 s at most), and as long after the signing key is rotated
/// (plus the authorizer's secret cache, 300 s).
pub const AUTHORIZER_CACHE_TTL_SECONDS: u32 = TOKEN_MAX_LIFETIME_SECONDS / 60;

/// The `iss` of the tokens the orders API of `env` accepts.
pub fn token_issuer(env: Env) -> String {
    format!("urn:{APP}:{}:auth", env.name())
}

/// The `aud` of the tokens the orders API of `env` accepts.
pub fn token_audience(env: Env) -> String {
    format!("urn:{APP}:{}:api", env.name())
}

/// Settings that differ between environments.
struct Settings {
    rate_limit: f64,
    burst_limit: u32,
    api_concurrency: u32,
    authorizer_concurrency: u32,
}

impl Settings {
    fn of(env: Env) -> Settings {
        match env {
            Env::Dev => Settings {
                rate_limit: 10.0,
                burst_limit: 20,
                api_concurrency: 5,
                authorizer_concurrency: 5,
            },
            Env::Prod => Settings {
                rate_limit: 100.0,
                burst_limit: 200,
                api_concurrency: 50,
                authorizer_concurrency: 20,
            },
        }
    }
}

/// The `Orders` stack and what other stacks use of it.
#[derive(Clone, Debug)]
pub struct Orders {
    /// The stack.
    pub stack: Stack,
    /// The secret holding the JWT signing key, which the two-factor service
    /// signs its tokens with.
    pub jwt_secret: Secret,
    /// The `iss` the authorizer requires ([`token_issuer`]).
    pub token_issuer: String,
    /// The `aud` the authorizer requires ([`token_audience`]).
    pub token_audience: String,
}

/// Adds the `Orders` stack to `stage`.
pub fn build(stage: &Stage, env: Env) -> Orders {
    let s = Settings::of(env);
    let stack = stage.stack("Orders");
    stack.set_description(
        "Orders API: POST /orders behind a JWT REQUEST authorizer, orders stored for 24 hours",
    );

    let key = Key::new(
        &stack,
        "Key",
        KeyProps {
            description: Some(format!(
                "Orders ({}): tables, JWT signing secret, function environments and logs",
                env.name()
            )),
            removal_policy: env.removal_policy(),
        },
    );

    let table = Table::new(
        &stack,
        "Table",
        TableProps {
            time_to_live_attribute: Some(TTL_ATTRIBUTE.to_owned()),
            encryption_key: Some(key.clone()),
            removal_policy: env.removal_policy(),
            sort_key: Some(Attribute::string(SORT_KEY)),
            ..TableProps::new(Attribute::string(PARTITION_KEY))
        },
    );
    let rate_table = Table::new(
        &stack,
        "RateTable",
        TableProps {
            time_to_live_attribute: Some(TTL_ATTRIBUTE.to_owned()),
            encryption_key: Some(key.clone()),
            removal_policy: env.removal_policy(),
            sort_key: Some(Attribute::number(RATE_SORT_KEY)),
            ..TableProps::new(Attribute::string(RATE_PARTITION_KEY))
        },
    );

    let name = app_secret(APP, env.name(), JWT_SECRET)
        .unwrap_or_else(|e| unreachable!("constant secret name parts are valid: {e}"));
    let secret = Secret::new(
        &stack,
        "JwtSecret",
        SecretProps {
            description: Some("HMAC key (HS256) that signs the JWTs the orders API accepts".into()),
            encryption_key: Some(key.clone()),
            removal_policy: env.removal_policy(),
            checkov_skips: vec![super::signing_key_rotation_skip()],
            ..SecretProps::new(name)
        },
    );

    let function = |id: &str, crate_dir: &str, description: &str, concurrency: u32| {
        RustFunction::new(
            &stack,
            id,
            RustFunctionProps {
                reserved_concurrency: Some(concurrency),
                ..env.function_props(crate_dir, description, &key)
            },
        )
    };
    let orders_api = function(
        "OrdersApiFunction",
        "functions/orders-api",
        "POST /orders: validates the orders and stores them for 24 hours",
        s.api_concurrency,
    );
    orders_api.add_environment(orders_api::ORDERS_TABLE_NAME, table.table_name());
    orders_api.add_environment(orders_api::ORDERS_RATE_TABLE_NAME, rate_table.table_name());
    orders_api.add_environment(
        orders_api::ORDERS_RATE_LIMIT_RECORDS,
        RATE_LIMIT_RECORDS.to_string(),
    );
    orders_api.add_environment(
        orders_api::ORDERS_RATE_WINDOW_SECONDS,
        RATE_WINDOW_SECONDS.to_string(),
    );
    // Each table grant includes its key: DynamoDB decrypts the table key on the writer's behalf.
    table.grant(&orders_api, ORDERS_API_TABLE_ACTIONS);
    rate_table.grant(&orders_api, ORDERS_API_RATE_TABLE_ACTIONS);

    let authorizer_fn = function(
        "AuthorizerFunction",
        "functions/authorizer",
        "REQUEST authorizer of the orders API: verifies HS256 JWTs",
        s.authorizer_concurrency,
    );
    let (issuer, audience) = (token_issuer(env), token_audience(env));
    authorizer_fn.add_environment(authorizer::JWT_SECRET_ARN, secret.arn());
    authorizer_fn.add_environment(authorizer::JWT_ISSUER, issuer.as_str());
    authorizer_fn.add_environment(authorizer::JWT_AUDIENCE, audience.as_str());
    authorizer_fn.add_environment(
        authorizer::JWT_MAX_LIFETIME_SECONDS,
        TOKEN_MAX_LIFETIME_SECONDS.to_string(),
    );
    secret.grant_read(&authorizer_fn);

    let api = RestApi::new(
        &stack,
        "Api",
        RestApiProps {
            name: Some(format!("{APP}-{}", env.name())),
            description: Some("Orders API".into()),
            throttling_rate_limit: s.rate_limit,
            throttling_burst_limit: s.burst_limit,
            access_log_retention: env.log_retention(),
            access_log_removal_policy: env.removal_policy(),
            encryption_key: Some(key.clone()),
            cloud_watch_role: true,
            stage_checkov_skips: vec![super::api_cache_skip()],
            ..RestApiProps::default()
        },
    );
    let authorizer = api.add_request_authorizer(
        "Authorizer",
        &authorizer_fn,
        RequestAuthorizerProps {
            result_ttl_seconds: AUTHORIZER_CACHE_TTL_SECONDS,
            ..RequestAuthorizerProps::default()
        },
    );
    api.add_resource_path("/orders").add_method(
        HttpMethod::Post,
        &orders_api,
        Authorization::Custom(&authorizer),
    );

    stack.output(
        "ApiUrl",
        Output::new(api.url()).description("URL of the API's stage; POST orders to {ApiUrl}orders"),
    );
    stack.output(
        "JwtSecretArn",
        Output::new(secret.arn()).description("ARN of the secret holding the JWT signing key"),
    );
    stack.output(
        "TableName",
        Output::new(table.table_name()).description("Name of the orders table"),
    );
    Orders {
        stack,
        jwt_secret: secret,
        token_issuer: issuer,
        token_audience: audience,
    }
}
