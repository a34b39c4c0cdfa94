//! The orders stack: every grant's exact actions and resources, the tables'
//! keys, TTL, recovery and encryption, the authorized method and its cache,
//! the token rules, the differences between environments, and a snapshot of
//! the whole template.

mod common;

use common::id;

use authorizer::jwt::{DEFAULT_MAX_LIFETIME_SECONDS, MAX_LEEWAY_SECONDS};
use constructs::assertions::{Match, Template};
use constructs::Stack;
use infra::app::orders::{
    AUTHORIZER_CACHE_TTL_SECONDS, ORDERS_API_RATE_TABLE_ACTIONS, ORDERS_API_TABLE_ACTIONS,
    PARTITION_KEY, RATE_LIMIT_RECORDS, RATE_PARTITION_KEY, RATE_SORT_KEY, RATE_WINDOW_SECONDS,
    SORT_KEY, TOKEN_MAX_LIFETIME_SECONDS, TTL_ATTRIBUTE,
};
use serde_json::{json, Value as Json};

/// The `Orders` stack of the app built for `env`.
fn orders_stack(env: &str) -> Stack {
    common::app_stack("Orders", &[("env", env)])
}

fn template(env: &str) -> Template {
    Template::from_stack(&orders_stack(env))
}

fn getatt(id: &str, attribute: &str) -> Json {
    json!({ "Fn::GetAtt": [id, attribute] })
}

fn reference(id: &str) -> Json {
    json!({ "Ref": id })
}

/// The statements of the default policy of the function `function`.
fn statements(t: &Template, function: &str) -> Json {
    common::policy_statements(t, &format!("{function}ServiceRole"))
}

#[test]
fn orders_api_function_may_put_orders_and_count_them_and_nothing_else() {
    let t = template("dev");
    let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
    let table = id(&t, "AWS::DynamoDB::Table", "Table");
    let rate_table = id(&t, "AWS::DynamoDB::Table", "RateTable");
    let logs = id(&t, "AWS::Logs::LogGroup", "OrdersApiFunctionLogGroup");
    assert_eq!(ORDERS_API_TABLE_ACTIONS, ["dynamodb:PutItem"]);
    assert_eq!(ORDERS_API_RATE_TABLE_ACTIONS, ["dynamodb:UpdateItem"]);
    assert_eq!(
        statements(&t, "OrdersApiFunction"),
        json!([
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": getatt(&logs, "Arn")},
            {"Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": "*"},
            // The function's environment and the table are encrypted with the stack's key;
            // DynamoDB only decrypts (the table key) on the writer's behalf.
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key},
            {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": getatt(&table, "Arn")},
            {"Effect": "Allow", "Action": "dynamodb:UpdateItem", "Resource": getatt(&rate_table, "Arn")}
        ])
    );
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({"Environment": {"Variables": {
            "ORDERS_TABLE_NAME": reference(&table),
            "ORDERS_RATE_TABLE_NAME": reference(&rate_table),
            "ORDERS_RATE_LIMIT_RECORDS": "1000",
            "ORDERS_RATE_WINDOW_SECONDS": "60"
        }}}),
    );
    assert_eq!((RATE_LIMIT_RECORDS, RATE_WINDOW_SECONDS), (1000, 60));
}

#[test]
fn the_table_actions_cover_what_the_function_calls() {
    // The function writes orders with one TransactWriteItems of Puts with a
    // condition expression: PutItem per item; no ConditionCheck items, no
    // reads, updates or deletes. It counts records with one conditional
    // UpdateItem on the rate table and nothing else.
    let store = include_str!("../../functions/orders-api/src/store.rs");
    let rate = include_str!("../../functions/orders-api/src/rate.rs");
    assert!(store.contains(".transact_write_items()"));
    assert!(store.contains("TransactWriteItem::builder().put("));
    assert!(rate.contains(".update_item()"));
    for (file, source) in [("store.rs", store), ("rate.rs", rate)] {
        for absent in [
            "condition_check(",
            ".update(",
            ".delete(",
            ".delete_item(",
            ".get_item(",
            ".put_item(",
            ".query(",
            ".scan(",
            ".batch_",
        ] {
            assert!(
                !source.contains(absent),
                "{file} calls {absent}: update ORDERS_API_TABLE_ACTIONS / ORDERS_API_RATE_TABLE_ACTIONS"
            );
        }
    }
    assert!(!store.contains(".update_item()"));
    assert!(!rate.contains(".transact_write_items()"));
    assert!(store.contains(&format!("EXPIRES_AT: &str = \"{TTL_ATTRIBUTE}\"")));
    assert!(store.contains(&format!("OWNER: &str = \"{PARTITION_KEY}\"")));
    assert!(store.contains(&format!("RECORD_ID: &str = \"{SORT_KEY}\"")));
    assert!(rate.contains(&format!("OWNER: &str = \"{RATE_PARTITION_KEY}\"")));
    assert!(rate.contains(&format!("WINDOW: &str = \"{RATE_SORT_KEY}\"")));
    assert!(rate.contains(&format!("EXPIRES_AT: &str = \"{TTL_ATTRIBUTE}\"")));
}

#[test]
fn authorizer_function_may_read_the_signing_secret_only() {
    let t = template("dev");
    let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
    let secret = id(&t, "AWS::SecretsManager::Secret", "JwtSecret");
    let logs = id(&t, "AWS::Logs::LogGroup", "AuthorizerFunctionLogGroup");
    assert_eq!(
        statements(&t, "AuthorizerFunction"),
        json!([
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": getatt(&logs, "Arn")},
            {"Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": "*"},
            // The environment and the secret are encrypted with the stack's key.
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key},
            {"Effect": "Allow", "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], "Resource": reference(&secret)}
        ])
    );
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({"Environment": {"Variables": {
            "JWT_SECRET_ARN": reference(&secret),
            "JWT_ISSUER": "urn:orders:dev:auth",
            "JWT_AUDIENCE": "urn:orders:dev:api",
            "JWT_MAX_LIFETIME_SECONDS": "3600"
        }}}),
    );
}

#[test]
fn tokens_are_issued_with_the_issuer_and_audience_the_authorizer_requires() {
    for env in ["dev", "prod"] {
        let (iss, aud) = (
            format!("urn:orders:{env}:auth"),
            format!("urn:orders:{env}:api"),
        );
        template(env).has_resource_properties(
            "AWS::Lambda::Function",
            json!({"Environment": {"Variables": {"JWT_ISSUER": iss, "JWT_AUDIENCE": aud}}}),
        );
        // otp-verify, in the TwoFactor stack, signs with the same values.
        common::app_template("TwoFactor", &[("env", env)]).has_resource_properties(
            "AWS::Lambda::Function",
            json!({"Environment": {"Variables": {
                "JWT_SECRET_ARN": Match::any_value(),
                "JWT_ISSUER": iss,
                "JWT_AUDIENCE": aud
            }}}),
        );
    }
}

#[test]
fn an_expired_token_passes_for_at_most_two_minutes() {
    // API Gateway applies a cached Allow without calling the authorizer, so
    // a token cached just before its exp passes for the cache TTL, plus the
    // authorizer's leeway.
    assert_eq!(AUTHORIZER_CACHE_TTL_SECONDS, 60);
    assert!(u64::from(AUTHORIZER_CACHE_TTL_SECONDS) + MAX_LEEWAY_SECONDS <= 120);
    // One minute per hour of lifetime: the two-factor service's 15-minute
    // tokens are honoured at most 1/15 longer than they say.
    const { assert!(AUTHORIZER_CACHE_TTL_SECONDS * 60 <= TOKEN_MAX_LIFETIME_SECONDS) };
    assert_eq!(
        u64::from(TOKEN_MAX_LIFETIME_SECONDS),
        DEFAULT_MAX_LIFETIME_SECONDS
    );
}

#[test]
fn signing_secret_is_generated_encrypted_and_named_app_env_name() {
    for env in ["dev", "prod"] {
        let t = template(env);
        let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
        t.has_resource_properties(
            "AWS::SecretsManager::Secret",
            json!({
                "Name": format!("orders/{env}/jwt-signing-key"),
                "KmsKeyId": key,
                "GenerateSecretString": {"PasswordLength": 64},
                "SecretString": Match::absent()
            }),
        );
    }
}

#[test]
fn tables_are_keyed_by_owner_expire_items_recover_and_encrypt_with_the_stack_key() {
    let t = template("dev");
    let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
    let shared = json!({
        "BillingMode": "PAY_PER_REQUEST",
        "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": true},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
        "SSESpecification": {"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": key}
    });
    let tables = t.find_resources("AWS::DynamoDB::Table", &json!({}));
    assert_eq!(tables.len(), 2);
    for (id, keys, attributes) in [
        (
            "Table",
            json!([{"AttributeName": "owner", "KeyType": "HASH"}, {"AttributeName": "record_id", "KeyType": "RANGE"}]),
            json!([{"AttributeName": "owner", "AttributeType": "S"}, {"AttributeName": "record_id", "AttributeType": "S"}]),
        ),
        (
            "RateTable",
            json!([{"AttributeName": "owner", "KeyType": "HASH"}, {"AttributeName": "window", "KeyType": "RANGE"}]),
            json!([{"AttributeName": "owner", "AttributeType": "S"}, {"AttributeName": "window", "AttributeType": "N"}]),
        ),
    ] {
        let logical = common::id(&t, "AWS::DynamoDB::Table", id);
        let (_, table) = tables.iter().find(|(i, _)| *i == logical).unwrap();
        let properties = &table["Properties"];
        assert_eq!(properties["KeySchema"], keys, "{id}");
        assert_eq!(properties["AttributeDefinitions"], attributes, "{id}");
        for (name, value) in shared.as_object().unwrap() {
            assert_eq!(&properties[name], value, "{id} {name}");
        }
    }
    t.has_resource_properties("AWS::KMS::Key", json!({"EnableKeyRotation": true}));
    t.resource_count_is("AWS::KMS::Key", 1);
}

#[test]
fn post_orders_is_authorized_by_the_jwt_authorizer() {
    let t = template("dev");
    let authorizer = id(&t, "AWS::ApiGateway::Authorizer", "ApiAuthorizer");
    let auth_fn = id(&t, "AWS::Lambda::Function", "AuthorizerFunction");
    let api_fn = id(&t, "AWS::Lambda::Function", "OrdersApiFunction");
    t.resource_count_is("AWS::ApiGateway::Method", 1);
    t.has_resource_properties(
        "AWS::ApiGateway::Method",
        json!({
            "HttpMethod": "POST",
            "AuthorizationType": "CUSTOM",
            "AuthorizerId": reference(&authorizer),
            "Integration": {"Type": "AWS_PROXY", "Uri": {"Fn::Sub": [Match::any_value(), {"Arn": getatt(&api_fn, "Arn")}]}}
        }),
    );
    t.has_resource_properties("AWS::ApiGateway::Resource", json!({"PathPart": "orders"}));
    t.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        json!({
            "Type": "REQUEST",
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": 60,
            "AuthorizerUri": {"Fn::Sub": [Match::any_value(), {"Arn": getatt(&auth_fn, "Arn")}]}
        }),
    );
    let api = reference(&id(&t, "AWS::ApiGateway::RestApi", "Api"));
    let stage = reference(&id(&t, "AWS::ApiGateway::Stage", "ApiStage"));
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({
            "FunctionName": getatt(&api_fn, "Arn"),
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": [
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApiId}/${Stage}/POST/orders",
                {"RestApiId": api, "Stage": stage}
            ]}
        }),
    );
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({
            "FunctionName": getatt(&auth_fn, "Arn"),
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": [
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApiId}/authorizers/${AuthorizerId}",
                {"RestApiId": api, "AuthorizerId": reference(&authorizer)}
            ]}
        }),
    );
}

#[test]
fn functions_have_reserved_concurrency_and_encrypted_environments() {
    for (env, api, auth) in [("dev", 5, 5), ("prod", 50, 20)] {
        let t = template(env);
        let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
        for (prefix, concurrency) in [("OrdersApiFunction", api), ("AuthorizerFunction", auth)] {
            let f = id(&t, "AWS::Lambda::Function", prefix);
            let found = t.find_resources("AWS::Lambda::Function", &json!({}));
            let (_, function) = found.iter().find(|(i, _)| *i == f).unwrap();
            assert_eq!(
                function["Properties"]["ReservedConcurrentExecutions"], concurrency,
                "{env} {prefix}"
            );
            assert_eq!(function["Properties"]["KmsKeyArn"], key, "{env} {prefix}");
        }
    }
}

#[test]
fn environments_differ_in_names_retention_removal_and_throttling() {
    for (env, retention, policy, rate, burst) in [
        ("dev", 14, "Delete", 10.0, 20),
        ("prod", 365, "Retain", 100.0, 200),
    ] {
        let t = template(env);
        t.has_resource_properties(
            "AWS::ApiGateway::RestApi",
            json!({"Name": format!("orders-{env}")}),
        );
        for (id, log_group) in t.find_resources("AWS::Logs::LogGroup", &json!({})) {
            assert_eq!(
                log_group["Properties"]["RetentionInDays"], retention,
                "{env} {id}"
            );
            assert_eq!(log_group["DeletionPolicy"], policy, "{env} {id}");
            assert!(
                log_group["Properties"]["KmsKeyId"].is_object(),
                "{env} {id} is encrypted"
            );
        }
        for resource_type in [
            "AWS::DynamoDB::Table",
            "AWS::SecretsManager::Secret",
            "AWS::KMS::Key",
        ] {
            t.has_resource(
                resource_type,
                json!({"DeletionPolicy": policy, "UpdateReplacePolicy": policy}),
            );
        }
        t.has_resource_properties(
            "AWS::ApiGateway::Stage",
            json!({
                "TracingEnabled": true,
                "AccessLogSetting": {"DestinationArn": Match::any_value(), "Format": Match::any_value()},
                "MethodSettings": [{"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}]
            }),
        );
    }
}

#[test]
fn outputs_the_url_the_secret_and_the_table() {
    let t = template("dev");
    let api = reference(&id(&t, "AWS::ApiGateway::RestApi", "Api"));
    let stage = reference(&id(&t, "AWS::ApiGateway::Stage", "ApiStage"));
    t.has_output(
        "ApiUrl",
        json!({"Value": {"Fn::Sub": [
            "https://${RestApiId}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/",
            {"RestApiId": api, "Stage": stage}
        ]}}),
    );
    t.has_output(
        "JwtSecretArn",
        json!({"Value": reference(&id(&t, "AWS::SecretsManager::Secret", "JwtSecret"))}),
    );
    t.has_output(
        "TableName",
        json!({"Value": reference(&id(&t, "AWS::DynamoDB::Table", "Table"))}),
    );
}

#[test]
fn snapshot() {
    let stack = orders_stack("dev");
    common::assert_snapshot(&stack.stack_name(), Template::from_stack(&stack).to_json());
}
