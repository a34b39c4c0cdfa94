//! Secure defaults of every data-store construct, and the exact IAM each grant writes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use constructs::assertions::{Match, Template};
use constructs::{App, Stack};
use rcdk_aws::checkov::CheckovSkip;
use rcdk_aws::dynamodb::{Attribute, Table, TableProps};
use rcdk_aws::events::{Schedule, ScheduleRule};
use rcdk_aws::iam::{Grant, PolicyStatement, Role, ServicePrincipal};
use rcdk_aws::kms::{Key, KeyProps};
use rcdk_aws::lambda::{DeadLetter, Invocation, RustFunction, RustFunctionProps};
use rcdk_aws::logs::{LogGroup, LogGroupProps};
use rcdk_aws::s3::{Bucket, BucketProps};
use rcdk_aws::secretsmanager::{app_secret, Secret, SecretProps};
use rcdk_aws::sns::{Protocol, Topic, TopicProps};
use rcdk_aws::stepfunctions::{Pass, StateGraph, StateMachine, StateMachineProps};
use serde_json::{json, Value as Json};

/// An app rooted at the workspace, so function assets hash real crates.
fn stack() -> Stack {
    let app = App::new();
    app.set_source_root(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    app.stack("S")
}

/// The message of the synthesis that must fail.
fn synth_error(stack: &Stack) -> String {
    stack
        .app()
        .synth(constructs::Format::Json)
        .unwrap_err()
        .to_string()
}

fn function(stack: &Stack, id: &str) -> RustFunction {
    RustFunction::new(stack, id, RustFunctionProps::new("functions/orders-api"))
}

/// The statements of the default policy of the role at `role_path`.
fn statements(t: &Template, role_prefix: &str) -> Vec<Json> {
    let policies = t.find_resources("AWS::IAM::Policy", &json!({}));
    let (_, policy) = policies
        .iter()
        .find(|(id, _)| id.starts_with(role_prefix))
        .unwrap_or_else(|| panic!("no policy for {role_prefix}: {policies:?}"));
    policy["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone()
}

fn getatt(id_prefix: &str, t: &Template, resource_type: &str, attr: &str) -> Json {
    let found = t.find_resources(resource_type, &json!({}));
    let id = found
        .iter()
        .map(|(id, _)| id)
        .find(|id| id.starts_with(id_prefix))
        .unwrap_or_else(|| panic!("no {resource_type} {id_prefix}"));
    json!({"Fn::GetAtt": [id, attr]})
}

#[test]
fn function_defaults_arm64_al2023_tracing_json_logs_and_minimal_role() {
    let stack = stack();
    function(&stack, "Api");
    let t = Template::from_stack(&stack);
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Architectures": ["arm64"],
            "MemorySize": 256,
            "Timeout": 10,
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": {"LogFormat": "JSON", "LogGroup": {"Ref": Match::any_value()}},
            "Code": {"S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}}
        }),
    );
    t.has_resource_properties("AWS::Logs::LogGroup", json!({"RetentionInDays": 365}));
    t.has_resource("AWS::Logs::LogGroup", json!({"DeletionPolicy": "Retain"}));
    let log_group = getatt("ApiLogGroup", &t, "AWS::Logs::LogGroup", "Arn");
    assert_eq!(
        statements(&t, "ApiServiceRoleDefaultPolicy"),
        [
            json!({"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": log_group}),
            json!({"Effect": "Allow", "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": "*"}),
        ]
    );
    t.has_resource_properties(
        "AWS::IAM::Role",
        json!({"AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}),
    );
    assert!(
        t.find_resources(
            "AWS::IAM::Role",
            &json!({"Properties": {"ManagedPolicyArns": Match::any_value()}})
        )
        .is_empty(),
        "no managed policies"
    );
    let (_, f) = &t.find_resources("AWS::Lambda::Function", &json!({}))[0];
    let deps: Vec<&str> = f["DependsOn"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        deps.iter()
            .any(|d| d.starts_with("ApiServiceRoleDefaultPolicy")),
        "{deps:?}"
    );
}

#[test]
fn function_metadata_names_its_code_asset_like_the_cdk() {
    let app = App::new();
    app.set_source_root(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let stack = app.stack("S");
    function(&stack, "Api");
    let t = Template::from_stack(&stack);
    let (_, f) = &t.find_resources("AWS::Lambda::Function", &json!({}))[0];
    let key = f["Properties"]["Code"]["S3Key"].as_str().unwrap();
    let path = format!("asset.{key}");
    assert_eq!(f["Metadata"]["aws:asset:path"], path.as_str());
    assert_eq!(f["Metadata"]["aws:asset:is-bundled"], true);
    assert_eq!(f["Metadata"]["aws:asset:property"], "Code");

    let assembly = app.synth(constructs::Format::Json).unwrap();
    let manifest: Json = serde_json::from_slice(&assembly.files["S.assets.json"]).unwrap();
    let hash = key.strip_suffix(".zip").unwrap();
    assert_eq!(manifest["files"][hash]["source"]["path"], path.as_str());
    assert_eq!(manifest["files"][hash]["displayName"], "orders-api");
}

#[test]
fn table_is_on_demand_with_ttl_pitr_and_customer_key() {
    let stack = stack();
    let key = Key::new(&stack, "Key", KeyProps::default());
    let mut props = TableProps::new(Attribute::string("record_id"));
    props.time_to_live_attribute = Some("expires_at".into());
    props.encryption_key = Some(key);
    let table = Table::new(&stack, "Orders", props);
    let f = function(&stack, "Api");
    table.grant_write(&f);
    table.grant_read(&f);
    let t = Template::from_stack(&stack);
    let key_arn = getatt("Key", &t, "AWS::KMS::Key", "Arn");
    let table_arn = getatt("Orders", &t, "AWS::DynamoDB::Table", "Arn");
    t.has_resource(
        "AWS::DynamoDB::Table",
        json!({
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "record_id", "KeyType": "HASH"}],
                "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": true},
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
                "SSESpecification": {"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": key_arn}
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain"
        }),
    );
    let s = statements(&t, "ApiServiceRoleDefaultPolicy");
    assert!(s.contains(&json!({"Effect": "Allow", "Action": [
        "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
        "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem"], "Resource": table_arn})), "{s:#?}");
    assert!(
        s.contains(&json!({"Effect": "Allow", "Action": [
        "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
        "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"], "Resource": table_arn})),
        "{s:#?}"
    );
    // Readers and writers alike: DynamoDB only decrypts the table key on their behalf.
    let kms: Vec<&Json> = s
        .iter()
        .filter(|st| st["Action"].to_string().contains("kms:"))
        .collect();
    assert_eq!(
        kms,
        [&json!({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn})],
        "{s:#?}"
    );
}

#[test]
fn key_grants_allow_what_their_grantee_calls_and_never_re_encrypting() {
    let stack = stack();
    let key = Key::new(&stack, "Key", KeyProps::default());
    let (reader, writer, user) = (
        function(&stack, "Reader"),
        function(&stack, "Writer"),
        function(&stack, "User"),
    );
    key.grant_decrypt(&reader);
    key.grant_generate_data_key(&writer);
    key.grant_encrypt_decrypt(&user);
    let t = Template::from_stack(&stack);
    let key_arn = getatt("Key", &t, "AWS::KMS::Key", "Arn");
    let kms = |role: &str| -> Json {
        let found: Vec<Json> = statements(&t, role)
            .into_iter()
            .filter(|st| st["Action"].to_string().contains("kms:"))
            .collect();
        json!(found)
    };
    assert_eq!(
        kms("ReaderServiceRole"),
        json!([{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn}])
    );
    assert_eq!(
        kms("WriterServiceRole"),
        json!([{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn}])
    );
    assert_eq!(
        kms("UserServiceRole"),
        json!([{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], "Resource": key_arn}])
    );
}

#[test]
fn key_rotates_and_its_policy_names_every_action() {
    let stack = stack();
    Key::new(&stack, "Key", KeyProps::default());
    let t = Template::from_stack(&stack);
    t.has_resource(
        "AWS::KMS::Key",
        json!({"Properties": {"EnableKeyRotation": true}, "DeletionPolicy": "Retain"}),
    );
    let (_, key) = &t.find_resources("AWS::KMS::Key", &json!({}))[0];
    let statement = &key["Properties"]["KeyPolicy"]["Statement"][0];
    assert_eq!(
        statement["Principal"],
        json!({"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}})
    );
    let actions = statement["Action"].as_array().unwrap();
    assert!(
        actions.iter().all(|a| !a.as_str().unwrap().contains('*')),
        "{actions:?}"
    );
}

#[test]
fn bucket_is_private_encrypted_versioned_and_tls_only() {
    let stack = stack();
    let key = Key::new(&stack, "Key", KeyProps::default());
    let bucket = Bucket::new(
        &stack,
        "Results",
        BucketProps {
            encryption_key: Some(key),
            ..BucketProps::default()
        },
    );
    let f = function(&stack, "Worker");
    bucket.grant_put(&f, "*");
    let t = Template::from_stack(&stack);
    let key_arn = getatt("Key", &t, "AWS::KMS::Key", "Arn");
    let bucket_arn = getatt("Results", &t, "AWS::S3::Bucket", "Arn");
    t.has_resource_properties(
        "AWS::S3::Bucket",
        json!({
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                "BucketKeyEnabled": true
            }]},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "VersioningConfiguration": {"Status": "Enabled"}
        }),
    );
    let objects = json!({"Fn::Join": ["", [bucket_arn, "/*"]]});
    t.has_resource_properties(
        "AWS::S3::BucketPolicy",
        json!({"PolicyDocument": {"Statement": [{
            "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
            "Resource": [bucket_arn, objects],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]}}),
    );
    let s = statements(&t, "WorkerServiceRoleDefaultPolicy");
    assert!(s.contains(&json!({"Effect": "Allow", "Action": ["s3:AbortMultipartUpload", "s3:PutObject"], "Resource": objects})), "{s:#?}");
    assert!(s.contains(&json!({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn})), "{s:#?}");
}

#[test]
fn topic_is_encrypted_and_tls_only_and_publish_is_scoped() {
    let stack = stack();
    let topic = Topic::new(&stack, "Alerts", TopicProps::default());
    let f = function(&stack, "Api");
    topic.grant_publish(&f);
    topic.add_subscription(
        "Queue",
        Protocol::Sqs,
        "arn:aws:sqs:us-east-1:123456789012:q",
    );
    let t = Template::from_stack(&stack);
    let topic_ref = json!({"Ref": t.find_resources("AWS::SNS::Topic", &json!({}))[0].0});
    t.has_resource_properties(
        "AWS::SNS::Topic",
        json!({"KmsMasterKeyId": "alias/aws/sns"}),
    );
    t.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        json!({"Topics": [topic_ref], "PolicyDocument": {"Statement": [{"Effect": "Deny", "Action": "sns:Publish", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}),
    );
    t.has_resource_properties(
        "AWS::SNS::Subscription",
        json!({"Protocol": "sqs", "TopicArn": topic_ref}),
    );
    assert!(statements(&t, "ApiServiceRoleDefaultPolicy")
        .contains(&json!({"Effect": "Allow", "Action": "sns:Publish", "Resource": topic_ref})));
}

#[test]
fn secret_is_generated_and_read_is_scoped_to_its_arn() {
    let stack = stack();
    let name = app_secret("orders", "dev", "jwt-signing-key").unwrap();
    let secret = Secret::new(&stack, "SigningKey", SecretProps::new(name));
    let f = function(&stack, "Authorizer");
    secret.grant_read(&f);
    let t = Template::from_stack(&stack);
    t.has_resource_properties(
        "AWS::SecretsManager::Secret",
        json!({"Name": "orders/dev/jwt-signing-key", "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": true}, "SecretString": Match::absent()}),
    );
    let secret_ref =
        json!({"Ref": t.find_resources("AWS::SecretsManager::Secret", &json!({}))[0].0});
    assert!(
        statements(&t, "AuthorizerServiceRoleDefaultPolicy").contains(&json!({
            "Effect": "Allow",
            "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            "Resource": secret_ref
        }))
    );
}

#[test]
fn a_statement_without_resources_is_a_synthesis_error_naming_the_policy() {
    let stack = stack();
    let role = Role::new(&stack, "R", &ServicePrincipal::new("lambda.amazonaws.com"));
    // A list of ARNs that came out empty: IAM would refuse the policy at deployment.
    rcdk_aws::iam::grant(&role, &["s3:GetObject"], Vec::new());
    let err = synth_error(&stack);
    assert!(
        err.contains("S/R/DefaultPolicy/Resource: IAM statement of s3:GetObject names no resource"),
        "{err}"
    );
}

#[test]
fn a_secrets_checkov_skips_are_its_callers_and_its_own_facts_only() {
    let stack = stack();
    let key = Key::new(&stack, "Key", KeyProps::default());
    let name = |n: &str| app_secret("orders", "dev", n).unwrap();
    Secret::new(
        &stack,
        "Encrypted",
        SecretProps {
            encryption_key: Some(key),
            ..SecretProps::new(name("a"))
        },
    );
    Secret::new(
        &stack,
        "Rotated",
        SecretProps {
            checkov_skips: vec![CheckovSkip::new("CKV2_AWS_57", "rotated by hand")],
            ..SecretProps::new(name("b"))
        },
    );
    let t = Template::from_stack(&stack);
    let skips = |prefix: &str| {
        let secrets = t.find_resources("AWS::SecretsManager::Secret", &json!({}));
        let (_, secret) = secrets
            .iter()
            .find(|(id, _)| id.starts_with(prefix))
            .unwrap();
        secret["Metadata"]["checkov"]["skip"].clone()
    };
    // No claim the library cannot know: an encrypted secret skips nothing.
    assert_eq!(skips("Encrypted"), Json::Null);
    assert_eq!(
        skips("Rotated"),
        json!([
            {"id": "CKV2_AWS_57", "comment": "rotated by hand"},
            {"id": "CKV_AWS_149", "comment": "No customer-managed key was given: encrypted with aws/secretsmanager"}
        ])
    );
}

#[test]
fn encrypted_log_group_lets_only_this_regions_logs_service_use_the_key() {
    let stack = stack();
    let key = Key::new(&stack, "Key", KeyProps::default());
    LogGroup::new(
        &stack,
        "Logs",
        LogGroupProps {
            encryption_key: Some(key),
            ..LogGroupProps::default()
        },
    );
    let t = Template::from_stack(&stack);
    let (_, k) = &t.find_resources("AWS::KMS::Key", &json!({}))[0];
    assert_eq!(
        k["Properties"]["KeyPolicy"]["Statement"][1]["Principal"],
        json!({"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}})
    );
    t.has_resource_properties(
        "AWS::Logs::LogGroup",
        json!({"KmsKeyId": Match::any_value()}),
    );
}

#[test]
fn schedule_rule_targets_with_its_own_role_or_a_scoped_permission() {
    let stack = stack();
    let rule = ScheduleRule::new(&stack, "Every5", Schedule::Minutes(5), "runs things");
    let machine = StateMachine::new(
        &stack,
        "M",
        StateMachineProps::new(StateGraph::new("P").state("P", Pass::new().end())),
    );
    let grant = rule.add_state_machine_target("Machine", &machine, Some(json!({"run": "all"})));
    assert_eq!(grant.statements.len(), 1, "{grant:?}");
    let f = function(&stack, "Job");
    rule.add_function_target("Job", &f);
    let t = Template::from_stack(&stack);
    let machine_ref =
        json!({"Ref": t.find_resources("AWS::StepFunctions::StateMachine", &json!({}))[0].0});
    // The rule's role may start this machine and nothing else.
    assert_eq!(
        statements(&t, "Every5EventsRole"),
        [json!({"Effect": "Allow", "Action": "states:StartExecution", "Resource": machine_ref})]
    );
    t.has_resource_properties(
        "AWS::Events::Rule",
        json!({"ScheduleExpression": "rate(5 minutes)", "State": "ENABLED", "Targets": [
            {"Id": "Machine", "Arn": machine_ref, "RoleArn": Match::any_value(), "Input": "{\"run\":\"all\"}"},
            {"Id": "Job", "Arn": Match::any_value()}
        ]}),
    );
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({"Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com", "SourceArn": getatt("Every5", &t, "AWS::Events::Rule", "Arn")}),
    );
    t.has_resource_properties(
        "AWS::IAM::Role",
        json!({"AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "events.amazonaws.com"}}]}}),
    );
}

#[test]
fn an_encrypted_dead_letter_topic_grants_its_key_with_the_publish() {
    let stack = stack();
    let key = Key::new(&stack, "Key", KeyProps::default());
    let topic = Topic::new(
        &stack,
        "Failures",
        TopicProps {
            encryption_key: Some(key),
            ..TopicProps::default()
        },
    );
    RustFunction::new(
        &stack,
        "Fn",
        RustFunctionProps {
            invocation: Invocation::Asynchronous(DeadLetter::Topic(topic)),
            ..RustFunctionProps::new("functions/results-generator")
        },
    );
    let t = Template::from_stack(&stack);
    let found = statements(&t, "FnServiceRole");
    let actions: Vec<&Json> = found.iter().map(|s| &s["Action"]).collect();
    assert!(actions.contains(&&json!("sns:Publish")), "{found:#?}");
    assert!(
        found.iter().any(|s| s["Action"]
            .as_array()
            .is_some_and(|a| a.contains(&json!("kms:GenerateDataKey")))),
        "without the key, Lambda's failed events would never reach the topic: {found:#?}"
    );
}

#[test]
fn asynchronous_function_sends_failures_to_its_dead_letter_topic_after_bounded_retries() {
    let stack = stack();
    let topic = Topic::new(&stack, "Failures", TopicProps::default());
    let f = RustFunction::new(
        &stack,
        "Fn",
        RustFunctionProps {
            invocation: Invocation::Asynchronous(DeadLetter::Topic(topic.clone())),
            ..RustFunctionProps::new("functions/results-generator")
        },
    );
    f.set_async_retry_attempts(0);
    let t = Template::from_stack(&stack);
    let topic_ref = json!({"Ref": t.find_resources("AWS::SNS::Topic", &json!({}))[0].0});
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({"DeadLetterConfig": {"TargetArn": topic_ref}}),
    );
    // A dead-letter topic needs sns:Publish (a queue would need sqs:SendMessage).
    assert!(statements(&t, "FnServiceRole")
        .contains(&json!({"Effect": "Allow", "Action": "sns:Publish", "Resource": topic_ref})));
    t.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        json!({"MaximumRetryAttempts": 0, "Qualifier": "$LATEST"}),
    );

    f.set_async_retry_attempts(3);
    let err = synth_error(&stack);
    assert!(
        err.contains("asynchronous retry attempts must be 0 to 2, not 3"),
        "{err}"
    );
}

#[test]
fn a_grant_on_an_encrypted_resource_returns_its_key_statement_too() {
    let stack = stack();
    let key = Key::new(&stack, "Key", KeyProps::default());
    let table = Table::new(
        &stack,
        "Orders",
        TableProps {
            encryption_key: Some(key.clone()),
            ..TableProps::new(Attribute::string("id"))
        },
    );
    let topic = Topic::new(
        &stack,
        "Alerts",
        TopicProps {
            encryption_key: Some(key.clone()),
            ..TopicProps::default()
        },
    );
    let f = function(&stack, "Api");
    let write = table.grant_write(&f);
    let publish = topic.grant_publish(&f);
    let json =
        |g: &Grant| -> Vec<Json> { g.statements.iter().map(PolicyStatement::to_json).collect() };
    let write_json = json(&write);
    assert_eq!(write_json.len(), 2, "{write_json:#?}");
    assert_eq!(write_json[0]["Action"], json!("kms:Decrypt"));
    assert_eq!(write_json[0]["Resource"], json!(key.arn()));
    assert_eq!(
        json(&publish)[0]["Action"],
        json!(["kms:Decrypt", "kms:GenerateDataKey"])
    );
    assert!(write.resource_statements.is_empty());

    let both = Grant::combine([write.clone(), publish.clone()]);
    assert_eq!(both, write.and(publish));
    assert_eq!(both.statements.len(), 4);
}

#[test]
fn a_grant_to_a_service_principal_writes_the_resource_policies() {
    let stack = stack();
    let key = Key::new(&stack, "Key", KeyProps::default());
    let topic = Topic::new(
        &stack,
        "Alerts",
        TopicProps {
            encryption_key: Some(key),
            ..TopicProps::default()
        },
    );
    let alarm = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:A";
    let rule = "arn:aws:events:eu-west-1:123456789012:rule/R";
    let grant = topic
        .grant_publish(&ServicePrincipal::new("cloudwatch.amazonaws.com").with_source_arn(alarm));
    topic.grant_publish(&ServicePrincipal::new("events.amazonaws.com").with_source_arn(rule));
    assert!(grant.statements.is_empty());
    assert_eq!(
        grant.resource_statements.len(),
        2,
        "the key policy and the topic policy"
    );

    let t = Template::from_stack(&stack);
    let topic_ref = json!({"Ref": t.find_resources("AWS::SNS::Topic", &json!({}))[0].0});
    t.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        json!({"PolicyDocument": {"Statement": Match::array_with(vec![
            json!({"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish",
                   "Resource": topic_ref, "Condition": {"ArnEquals": {"aws:SourceArn": alarm}}}),
            json!({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
                   "Resource": topic_ref, "Condition": {"ArnEquals": {"aws:SourceArn": rule}}}),
        ])}}),
    );
    // EventBridge's KMS requests carry no aws:SourceArn: its key statement has no condition.
    t.has_resource_properties(
        "AWS::KMS::Key",
        json!({"KeyPolicy": {"Statement": Match::array_with(vec![
            json!({"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
                   "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
                   "Condition": {"ArnEquals": {"aws:SourceArn": alarm}}}),
            json!({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                   "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}),
        ])}}),
    );
    assert!(t.find_resources("AWS::IAM::Policy", &json!({})).is_empty());
}

#[test]
fn a_function_grants_a_service_principal_a_permission() {
    let stack = stack();
    let f = function(&stack, "Handler");
    let source = "arn:aws:events:eu-west-1:123456789012:rule/R";
    f.grant_invoke(&ServicePrincipal::new("events.amazonaws.com").with_source_arn(source));
    f.grant_invoke(&ServicePrincipal::new("s3.amazonaws.com").with_id("FromBucket"));
    let t = Template::from_stack(&stack);
    let permissions = t.find_resources("AWS::Lambda::Permission", &json!({}));
    let ids: Vec<&str> = permissions.iter().map(|(id, _)| id.as_str()).collect();
    assert!(ids[0].starts_with("HandlerInvoke1"), "{ids:?}");
    assert!(ids[1].starts_with("HandlerFromBucket"), "{ids:?}");
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({"Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com", "SourceArn": source}),
    );
}
