//! The two-factor stack: each function's exact grants (the orders signing key
//! through a cross-stack import; table items limited by their key prefixes),
//! the public methods and why they are public, SMS as an opt-in, the send
//! budget and its alarm, and a snapshot of the whole template.

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
use infra::app::two_factor::{
    BUDGET_METRIC, CREATE_READ_ACTIONS, CREATE_READ_KEYS, CREATE_WRITE_ACTIONS, CREATE_WRITE_KEYS,
    PARTITION_KEY, TTL_ATTRIBUTE, VERIFY_KEYS, VERIFY_TABLE_ACTIONS,
};
use serde_json::{json, Value as Json};

fn template(context: &[(&str, &str)]) -> Template {
    common::app_template("TwoFactor", context)
}

fn getatt(id: &str, attribute: &str) -> Json {
    json!({ "Fn::GetAtt": [id, attribute] })
}

/// An `Allow` of `action` on the table's items whose partition key matches `keys`.
fn on_items(action: Json, table: &str, keys: &[&str]) -> Json {
    json!({"Effect": "Allow", "Action": action, "Resource": getatt(table, "Arn"),
           "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": keys}}})
}

fn ses_identity(identity: &str) -> Json {
    json!({"Fn::Sub": format!(
        "arn:${{AWS::Partition}}:ses:${{AWS::Region}}:${{AWS::AccountId}}:identity/{identity}"
    )})
}

/// The `Fn::ImportValue` of an export of the `Dev-Orders` stack whose name contains `part`.
fn import_of(t: &Template, part: &str) -> Json {
    let text = t.to_json().to_string();
    let start = text
        .find(&format!("Dev-Orders:ExportsOutput{part}"))
        .unwrap_or_else(|| panic!("an import of Dev-Orders' {part}"));
    let end = start + text[start..].find('"').unwrap();
    json!({"Fn::ImportValue": &text[start..end]})
}

#[test]
fn create_function_updates_codes_sends_email_as_the_sender_and_reads_the_hash_key() {
    let t = template(&[("otp.sender", "codes@mail.example.org")]);
    let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
    let table = id(&t, "AWS::DynamoDB::Table", "CodesTable");
    let hash_key = id(&t, "AWS::SecretsManager::Secret", "HashKeySecret");
    let logs = id(&t, "AWS::Logs::LogGroup", "CreateFunctionLogGroup");
    assert_eq!(
        policy_statements(&t, "CreateFunctionServiceRole"),
        json!([
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": getatt(&logs, "Arn")},
            {"Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": "*"},
            // The environment, the table and the hash key's secret: all the stack's key, only decrypted.
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key},
            {"Effect": "Allow", "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], "Resource": {"Ref": hash_key}},
            // Reads phone registrations only; writes codes and send counters only.
            on_items(json!("dynamodb:GetItem"), &table, &["phone#*"]),
            on_items(json!(["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]), &table, &["code#*", "sends#*"]),
            {"Effect": "Allow", "Action": "ses:SendEmail",
             "Resource": [ses_identity("codes@mail.example.org"), ses_identity("mail.example.org")]}
        ])
    );
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({"Environment": {"Variables": {
            "OTP_TABLE_NAME": {"Ref": table},
            "OTP_HASH_KEY_SECRET_ARN": {"Ref": hash_key},
            "OTP_SENDER": "codes@mail.example.org",
            "OTP_SMS_ENABLED": Match::absent(),
            "OTP_MAX_ATTEMPTS": "5",
            "OTP_DAILY_BUDGET": "1000",
            "OTP_DOMAIN_DAILY_LIMIT": "250"
        }}}),
    );
}

#[test]
fn verify_function_spends_codes_and_signs_with_the_orders_key() {
    let t = template(&[]);
    let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
    let table = id(&t, "AWS::DynamoDB::Table", "CodesTable");
    let hash_key = id(&t, "AWS::SecretsManager::Secret", "HashKeySecret");
    let logs = id(&t, "AWS::Logs::LogGroup", "VerifyFunctionLogGroup");
    let orders_secret = import_of(&t, "RefJwtSecret");
    let orders_key = import_of(&t, "FnGetAttKey");
    assert_eq!(
        policy_statements(&t, "VerifyFunctionServiceRole"),
        json!([
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": getatt(&logs, "Arn")},
            {"Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": "*"},
            // The environment, table and hash key's secret (stack key) and the orders signing
            // key's secret (orders key): only decrypted.
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": [key, orders_key]},
            // The hash key, and the orders stack's JWT signing key.
            {"Effect": "Allow", "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
             "Resource": [{"Ref": hash_key}, orders_secret]},
            // Updates code items only, and reads nothing.
            on_items(json!("dynamodb:UpdateItem"), &table, &["code#*"])
        ])
    );
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({"Environment": {"Variables": {
            "JWT_SECRET_ARN": orders_secret,
            "OTP_MAX_ATTEMPTS": "5"
        }}}),
    );
}

#[test]
fn both_methods_are_public_with_their_reasons_and_nothing_else_is_open() {
    let t = template(&[]);
    let methods = t.find_resources("AWS::ApiGateway::Method", &json!({}));
    assert_eq!(methods.len(), 2, "{methods:?}");
    for (_, method) in &methods {
        assert_eq!(method["Properties"]["HttpMethod"], "POST");
        assert_eq!(method["Properties"]["AuthorizationType"], "NONE");
        let skip = &method["Metadata"]["checkov"]["skip"][0];
        assert_eq!(skip["id"], "CKV_AWS_59");
        assert!(skip["comment"].as_str().unwrap().contains("no token yet"));
    }
    t.resource_count_is("AWS::ApiGateway::Authorizer", 0);
    let paths: Vec<Json> = t
        .find_resources("AWS::ApiGateway::Resource", &json!({}))
        .into_iter()
        .map(|(_, r)| r["Properties"]["PathPart"].clone())
        .collect();
    assert_eq!(paths, [json!("otp"), json!("verify")]);
    t.has_resource_properties(
        "AWS::ApiGateway::Stage",
        json!({"MethodSettings": [{"ThrottlingRateLimit": 5.0, "ThrottlingBurstLimit": 10}]}),
    );
    // The Orders stack sets the account's API Gateway logging role.
    t.resource_count_is("AWS::ApiGateway::Account", 0);
}

#[test]
fn codes_table_expires_items_and_hash_key_is_generated() {
    let t = template(&[]);
    let key = getatt(&id(&t, "AWS::KMS::Key", "Key"), "Arn");
    t.has_resource_properties(
        "AWS::DynamoDB::Table",
        json!({
            "KeySchema": [{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
            "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": true},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
            "SSESpecification": {"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": key}
        }),
    );
    t.has_resource_properties(
        "AWS::SecretsManager::Secret",
        json!({
            "Name": "orders/dev/otp-hash-key",
            "KmsKeyId": key,
            "GenerateSecretString": {"PasswordLength": 64},
            "SecretString": Match::absent()
        }),
    );
}

#[test]
fn sms_is_opt_in_and_may_reach_phone_numbers_only() {
    let t = template(&[("otp.sms", "true")]);
    let statements = policy_statements(&t, "CreateFunctionServiceRole");
    let sms: Vec<&Json> = statements
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Action"] == "sns:Publish")
        .collect();
    assert_eq!(
        sms,
        [
            &json!({"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}),
            &json!({"Effect": "Deny", "Action": "sns:Publish", "Resource": {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}})
        ]
    );
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({"Environment": {"Variables": {"OTP_SMS_ENABLED": "true"}}}),
    );
    // checkov's "write without constraints" check is told why.
    let policy = id(
        &t,
        "AWS::IAM::Policy",
        "CreateFunctionServiceRoleDefaultPolicy",
    );
    t.has_resource(
        "AWS::IAM::Policy",
        json!({"Metadata": {"checkov": {"skip": [{"id": "CKV_AWS_111"}]}}}),
    );
    let (_, verify) = &t
        .find_resources("AWS::IAM::Policy", &json!({}))
        .into_iter()
        .find(|(i, _)| i != &policy)
        .unwrap();
    assert!(verify["Metadata"].get("checkov").is_none(), "{verify}");
}

#[test]
fn bad_context_values_are_errors_naming_the_stack_and_the_value() {
    let context = [
        ("otp.sender".to_string(), "not-an-address".to_string()),
        ("otp.sms".to_string(), "yes".to_string()),
    ];
    let app = infra::app::build(context.into(), common::workspace_root()).unwrap();
    let err = app.synth(Format::Json).unwrap_err().to_string();
    for expected in [
        "Dev/TwoFactor: context value otp.sender='not-an-address' is not an email address",
        "Dev/TwoFactor: context value otp.sms='yes' must be true or false",
    ] {
        assert!(err.contains(expected), "{expected}\nnot in:\n{err}");
    }
}

#[test]
fn deploys_after_the_orders_stack() {
    let stack = common::app_stack("TwoFactor", &[]);
    let assembly = stack.app().synth(Format::Json).unwrap();
    let two_factor = assembly.stack(&stack.path()).unwrap();
    assert_eq!(two_factor.dependencies, ["Dev-Orders"]);
}

#[test]
fn grants_and_metric_match_what_the_functions_call_and_write() {
    let store = include_str!("../../functions/otp/src/store.rs");
    let granted: Vec<&str> = CREATE_READ_ACTIONS
        .iter()
        .chain(CREATE_WRITE_ACTIONS)
        .chain(VERIFY_TABLE_ACTIONS)
        .copied()
        .collect();
    for (call, action) in [
        (".put_item()", "dynamodb:PutItem"),
        (".update_item()", "dynamodb:UpdateItem"),
        (".delete_item()", "dynamodb:DeleteItem"),
        (".get_item()", "dynamodb:GetItem"),
    ] {
        assert_eq!(
            store.contains(call),
            granted.contains(&action),
            "store.rs and the grants disagree on {action}"
        );
    }
    for absent in [
        ".query()",
        ".scan()",
        ".transact_write_items()",
        ".batch_write_item()",
    ] {
        assert!(!store.contains(absent), "store.rs calls {absent}: grant it");
    }
    assert!(store.contains(&format!("PK: &str = \"{PARTITION_KEY}\"")));
    // The LeadingKeys patterns are the store's key prefixes, and its keys use them.
    for (pattern, constant) in CREATE_READ_KEYS
        .iter()
        .chain(CREATE_WRITE_KEYS)
        .chain(VERIFY_KEYS)
        .map(|p| (p, p.strip_suffix('*').expect("a prefix pattern")))
        .map(|(p, prefix)| {
            let name = match prefix {
                "code#" => "CODE_PREFIX",
                "sends#" => "SENDS_PREFIX",
                "phone#" => "PHONE_PREFIX",
                other => panic!("{p}: no item has the prefix {other}"),
            };
            (p, format!("{name}: &str = \"{prefix}\""))
        })
    {
        assert!(
            store.contains(&constant),
            "{pattern}: store.rs lacks {constant}"
        );
    }
    for (function, prefix) in [
        ("code_key", "CODE_PREFIX"),
        ("address_sends_key", "SENDS_PREFIX"),
        ("phone_sends_key", "SENDS_PREFIX"),
        ("domain_sends_key", "SENDS_PREFIX"),
        ("budget_key", "SENDS_PREFIX"),
        ("phone_key", "PHONE_PREFIX"),
    ] {
        let body = &store[store.find(&format!("pub fn {function}(")).expect(function)..];
        let body = &body[..body.find("\n}").expect("a body")];
        assert!(
            body.contains(&format!("{{{prefix}}}")),
            "{function} uses {prefix}"
        );
    }
    assert!(store.contains(&format!("EXPIRES_AT: &str = \"{TTL_ATTRIBUTE}\"")));
    // Both read OTP_MAX_ATTEMPTS through the shared reader (the names: tests/env_names.rs).
    let create = include_str!("../../functions/otp-create/src/config.rs");
    let verify = include_str!("../../functions/otp-verify/src/config.rs");
    assert!(create.contains("env.max_attempts()") && verify.contains("env.max_attempts()"));
    // The alarm watches the metric the function writes.
    let metrics = include_str!("../../functions/otp-create/src/metrics.rs");
    let (namespace, metric, dimension) = BUDGET_METRIC;
    for constant in [
        format!("NAMESPACE: &str = \"{namespace}\""),
        format!("DAILY_BUDGET_EXHAUSTED: &str = \"{metric}\""),
        format!("DIMENSION: &str = \"{dimension}\""),
    ] {
        assert!(metrics.contains(&constant), "metrics.rs lacks {constant}");
    }
}

#[test]
fn the_daily_budget_alarm_notifies_an_encrypted_topic_cloudwatch_may_publish_to() {
    let t = template(&[]);
    let key = id(&t, "AWS::KMS::Key", "Key");
    let topic = id(&t, "AWS::SNS::Topic", "AlarmTopic");
    let create = id(&t, "AWS::Lambda::Function", "CreateFunction");
    let alarm_arn = json!({"Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:Dev-TwoFactor-DailyBudgetExhausted"});
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        json!({
            "AlarmName": "Dev-TwoFactor-DailyBudgetExhausted",
            "Namespace": "Orders/TwoFactor",
            "MetricName": "DailyBudgetExhausted",
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": create}}],
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "ActionsEnabled": true,
            "AlarmActions": [{"Ref": topic}]
        }),
    );
    t.resource_count_is("AWS::CloudWatch::Alarm", 1);
    t.has_resource_properties(
        "AWS::SNS::Topic",
        json!({"KmsMasterKeyId": getatt(&key, "Arn")}),
    );
    // CloudWatch may publish for this alarm only, and use the topic's key for it.
    t.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        json!({"Topics": [{"Ref": topic}], "PolicyDocument": {"Statement": Match::array_with(vec![json!({
            "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish", "Resource": {"Ref": topic},
            "Condition": {"ArnEquals": {"aws:SourceArn": alarm_arn}}
        })])}}),
    );
    t.has_resource_properties(
        "AWS::KMS::Key",
        json!({"KeyPolicy": {"Statement": Match::array_with(vec![json!({
            "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
            "Condition": {"ArnEquals": {"aws:SourceArn": alarm_arn}}
        })])}}),
    );
    t.has_output("AlarmTopicArn", json!({"Value": {"Ref": topic}}));
}

#[test]
fn the_budget_and_the_domain_limit_come_from_the_context() {
    let variables = |context: &[(&str, &str)]| {
        let t = template(context);
        let create = id(&t, "AWS::Lambda::Function", "CreateFunction");
        let function = t.to_json()["Resources"][&create].clone();
        let v = &function["Properties"]["Environment"]["Variables"];
        (
            v["OTP_DAILY_BUDGET"].clone(),
            v["OTP_DOMAIN_DAILY_LIMIT"].clone(),
        )
    };
    assert_eq!(variables(&[]), (json!("1000"), json!("250")));
    assert_eq!(
        variables(&[("env", "prod")]),
        (json!("10000"), json!("2500"))
    );
    assert_eq!(
        variables(&[("otp.dailyBudget", "40"), ("otp.domainDailyLimit", "40")]),
        (json!("40"), json!("40"))
    );
    assert_eq!(
        variables(&[("otp.dailyBudget", "3")]),
        (json!("3"), json!("1"))
    );
    for (context, expected) in [
        (
            vec![("otp.dailyBudget", "0")],
            "Dev/TwoFactor: context value otp.dailyBudget='0' must be a whole number >= 1",
        ),
        (
            vec![("otp.domainDailyLimit", "many")],
            "Dev/TwoFactor: context value otp.domainDailyLimit='many' must be a whole number >= 1",
        ),
        (
            vec![("otp.dailyBudget", "10"), ("otp.domainDailyLimit", "11")],
            "Dev/TwoFactor: context value otp.domainDailyLimit='11' exceeds the daily budget (otp.dailyBudget=10)",
        ),
    ] {
        let context = context
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let app = infra::app::build(context, common::workspace_root()).unwrap();
        let err = app.synth(Format::Json).unwrap_err().to_string();
        assert!(err.contains(expected), "{expected}\nnot in:\n{err}");
    }
}

#[test]
fn snapshot() {
    common::assert_snapshot("Dev-TwoFactor", template(&[]).to_json());
}
