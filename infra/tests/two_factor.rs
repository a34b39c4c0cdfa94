//! The two-factor stack: each function's exact grants (the orders signing key
//! through a cross-stack import), the public methods and why they are public,
//! SMS as an opt-in, and a snapshot of the whole template.

mod common;

use common::{id, policy_statements};
use constructs::assertions::{Match, Template};
use constructs::Format;
use infra::app::two_factor::{
    CREATE_TABLE_ACTIONS, PARTITION_KEY, TTL_ATTRIBUTE, VERIFY_TABLE_ACTIONS,
};
use serde_json::{json, Value as Json};

fn template(context: &[(&str, &str)]) -> Template {
    common::app_template("TwoFactor", context)
}

fn getatt(id: &str, attribute: &str) -> Json {
    json!({ "Fn::GetAtt": [id, attribute] })
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
            {"Effect": "Allow", "Action": CREATE_TABLE_ACTIONS, "Resource": getatt(&table, "Arn")},
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
            "OTP_SMS_ENABLED": Match::absent()
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
            {"Effect": "Allow", "Action": VERIFY_TABLE_ACTIONS, "Resource": getatt(&table, "Arn")}
        ])
    );
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({"Environment": {"Variables": {"JWT_SECRET_ARN": orders_secret}}}),
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
fn grants_and_environment_match_what_the_functions_call_and_read() {
    let store = include_str!("../../functions/otp/src/store.rs");
    let granted: Vec<&str> = CREATE_TABLE_ACTIONS
        .iter()
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
    assert!(store.contains(&format!("EXPIRES_AT: &str = \"{TTL_ATTRIBUTE}\"")));
    let create = include_str!("../../functions/otp-create/src/config.rs");
    for var in [
        "OTP_TABLE_NAME",
        "OTP_HASH_KEY_SECRET_ARN",
        "OTP_SENDER",
        "OTP_SMS_ENABLED",
    ] {
        assert!(
            create.contains(&format!("\"{var}\"")),
            "otp-create reads {var}"
        );
    }
    let verify = include_str!("../../functions/otp-verify/src/config.rs");
    for var in [
        "OTP_TABLE_NAME",
        "OTP_HASH_KEY_SECRET_ARN",
        "JWT_SECRET_ARN",
    ] {
        assert!(
            verify.contains(&format!("\"{var}\"")),
            "otp-verify reads {var}"
        );
    }
}

#[test]
fn snapshot() {
    common::assert_snapshot("Dev-TwoFactor", template(&[]).to_json());
}
