//! The auction stack: the state machine, its schedule, the grants (exact
//! actions and resources), and a snapshot of the whole template.
//!
//! Snapshot: `tests/snapshots/Dev-Auction.template.json`. After an intended
//! change, regenerate it with `UPDATE_SNAPSHOTS=1 cargo test -p infra --test auction`
//! and review the diff. Function asset hashes are masked (they change with
//! every edit of the functions' sources, which is not this stack's concern).

mod common;

use common::{id, policy_statements};
use constructs::assertions::{Match, Template};
use constructs::Format;
use serde_json::{json, Value as Json};

fn template_with(context: &[(&str, &str)]) -> Json {
    common::app_template("Auction", context).to_json().clone()
}

fn template() -> Template {
    common::app_template("Auction", &[])
}

#[test]
fn state_machine_is_standard_logged_and_traced() {
    let t = template();
    t.resource_count_is("AWS::StepFunctions::StateMachine", 1);
    let key = id(&t, "AWS::KMS::Key", "Key");
    let log_group = id(&t, "AWS::Logs::LogGroup", "StateMachineLogGroup");
    t.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        json!({
            "StateMachineType": "STANDARD",
            "TracingConfiguration": {"Enabled": true},
            "LoggingConfiguration": {
                "Level": "ALL",
                "IncludeExecutionData": false,
                "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": [log_group, "Arn"]}}}]
            },
            "DefinitionSubstitutions": Match::object_equals(json!({
                "GetResultsFunctionName": {"Fn::GetAtt": [id(&t, "AWS::Lambda::Function", "ResultsGenerator"), "Arn"]},
                "ProcessOrderFunctionName": {"Fn::GetAtt": [id(&t, "AWS::Lambda::Function", "OrderProcessor"), "Arn"]},
                "NotifyOrderFailureTopicArn": {"Ref": id(&t, "AWS::SNS::Topic", "NotificationsTopic")},
                // The service integrations, in the stack's partition.
                "LambdaInvoke": {"Fn::Sub": "arn:${AWS::Partition}:states:::lambda:invoke"},
                "SnsPublish": {"Fn::Sub": "arn:${AWS::Partition}:states:::sns:publish"}
            }))
        }),
    );
    t.has_resource_properties(
        "AWS::Logs::LogGroup",
        json!({"KmsKeyId": {"Fn::GetAtt": [key, "Arn"]}, "RetentionInDays": 14}),
    );
}

#[test]
fn definition_polls_then_maps_the_orders() {
    let t = template();
    let (_, sm) = t
        .find_resources("AWS::StepFunctions::StateMachine", &json!({}))
        .remove(0);
    let d = &sm["Properties"]["Definition"];
    assert_eq!(d["StartAt"], "Initialize");
    let s = &d["States"];
    assert_eq!(
        s["ResultsReady"]["Choices"][1],
        json!({"Variable": "$.attempts.count", "NumericGreaterThanEquals": 10, "Next": "ResultsNotReady"})
    );
    assert_eq!(s["ResultsReady"]["Default"], "WaitForResults");
    assert_eq!(
        s["WaitForResults"],
        json!({"Type": "Wait", "Seconds": 30, "Next": "CountAttempt"})
    );
    assert_eq!(s["ResultsNotReady"]["Error"], "ResultsNotReady");
    assert_eq!(
        s["ProcessOrders"]["ItemsPath"],
        "$.generator.Payload.orders"
    );
    let process = &s["ProcessOrders"]["ItemProcessor"]["States"]["ProcessOrder"];
    assert_eq!(
        process["Retry"][0]["ErrorEquals"],
        json!([
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException"
        ])
    );
    assert_eq!(
        process["Catch"],
        json!([
            {"ErrorEquals": ["OrderRejected", "MalformedOrder"], "ResultPath": "$.error", "Next": "NotifyOrderFailure"},
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyOrderFailure"}
        ])
    );
}

#[test]
fn polling_bounds_come_from_the_context() {
    let t = template_with(&[("auction.maxAttempts", "3"), ("auction.waitSeconds", "1")]);
    let t = Template::from_json(t);
    let (_, sm) = t
        .find_resources("AWS::StepFunctions::StateMachine", &json!({}))
        .remove(0);
    let s = &sm["Properties"]["Definition"]["States"];
    assert_eq!(
        s["ResultsReady"]["Choices"][1]["NumericGreaterThanEquals"],
        3
    );
    assert_eq!(s["WaitForResults"]["Seconds"], 1);

    let app = infra::app::build(
        [("auction.maxAttempts".to_string(), "zero".to_string())].into(),
        common::workspace_root(),
    )
    .unwrap();
    let err = app.synth(Format::Json).unwrap_err().to_string();
    assert!(
        err.contains(
            "Dev/Auction: context value auction.maxAttempts='zero' must be a whole number >= 1"
        ),
        "{err}"
    );
}

#[test]
fn rule_starts_the_machine_every_5_minutes() {
    let t = template();
    let machine = id(&t, "AWS::StepFunctions::StateMachine", "StateMachine");
    let role = id(&t, "AWS::IAM::Role", "ScheduleEventsRole");
    t.has_resource_properties(
        "AWS::Events::Rule",
        json!({
            "ScheduleExpression": "rate(5 minutes)",
            "State": "ENABLED",
            "Targets": [{"Arn": {"Ref": machine}, "RoleArn": {"Fn::GetAtt": [role, "Arn"]}}]
        }),
    );
    assert_eq!(
        policy_statements(&t, "ScheduleEventsRole"),
        json!([{"Effect": "Allow", "Action": "states:StartExecution", "Resource": {"Ref": machine}}])
    );
}

#[test]
fn state_machine_role_grants_exactly_what_the_tasks_call() {
    let t = template();
    let key = id(&t, "AWS::KMS::Key", "Key");
    assert_eq!(
        policy_statements(&t, "StateMachineRole"),
        json!([
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [
                {"Fn::GetAtt": [id(&t, "AWS::Lambda::Function", "ResultsGenerator"), "Arn"]},
                {"Fn::GetAtt": [id(&t, "AWS::Lambda::Function", "OrderProcessor"), "Arn"]}
            ]},
            // The SNS task's grant: the topic's key, then the topic.
            {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": {"Fn::GetAtt": [key, "Arn"]}},
            {"Effect": "Allow", "Action": "sns:Publish",
             "Resource": {"Ref": id(&t, "AWS::SNS::Topic", "NotificationsTopic")}},
            // Log delivery and X-Ray have no resource-level permissions.
            {"Effect": "Allow", "Action": [
                "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
                "logs:PutResourcePolicy", "logs:UpdateLogDelivery"], "Resource": "*"},
            {"Effect": "Allow", "Action": [
                "xray:GetSamplingRules", "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords", "xray:PutTraceSegments"], "Resource": "*"}
        ])
    );
}

#[test]
fn order_processor_writes_to_the_bucket_only() {
    let t = template();
    let key = id(&t, "AWS::KMS::Key", "Key");
    let bucket = id(&t, "AWS::S3::Bucket", "ResultsBucket");
    let statements = policy_statements(&t, "OrderProcessorServiceRole");
    assert!(
        statements.as_array().unwrap().contains(&json!(
            {"Effect": "Allow", "Action": ["s3:AbortMultipartUpload", "s3:PutObject"],
             "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/*"]]}}
        )),
        "{statements:#}"
    );
    assert!(
        statements.as_array().unwrap().contains(&json!(
            {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": {"Fn::GetAtt": [key, "Arn"]}}
        )),
        "{statements:#}"
    );
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({
            "ReservedConcurrentExecutions": 10,
            "Environment": {"Variables": {
                "RESULTS_BUCKET_NAME": {"Ref": bucket},
                "RESULTS_KMS_KEY_ID": {"Fn::GetAtt": [key, "Arn"]}
            }}
        }),
    );
    t.has_resource_properties(
        "AWS::Lambda::Function",
        json!({"ReservedConcurrentExecutions": 2, "Description": Match::any_value()}),
    );
    // No one but the state machine may invoke the functions.
    t.resource_count_is("AWS::Lambda::Permission", 0);
}

#[test]
fn bucket_and_topic_are_encrypted_with_the_stack_key() {
    let t = template();
    let key = id(&t, "AWS::KMS::Key", "Key");
    t.has_resource_properties(
        "AWS::SNS::Topic",
        json!({"KmsMasterKeyId": {"Fn::GetAtt": [key, "Arn"]}}),
    );
    t.has_resource_properties(
        "AWS::S3::Bucket",
        json!({
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [key, "Arn"]}}
            }]},
            "VersioningConfiguration": {"Status": "Enabled"}
        }),
    );
}

#[test]
fn snapshot() {
    common::assert_snapshot("Dev-Auction", &template_with(&[]));
}
