//! The StateMachine construct: its role's statements (exact actions and
//! resources), logging, tracing, and the rendered definition.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use constructs::assertions::{Match, Template};
use constructs::{App, Stack};
use rcdk_aws::iam::{Role, ServicePrincipal};
use rcdk_aws::kms::{Key, KeyProps};
use rcdk_aws::lambda::{RustFunction, RustFunctionProps};
use rcdk_aws::sns::{Topic, TopicProps};
use rcdk_aws::stepfunctions::{
    errors, Catch, LogLevel, Retry, StateGraph, StateMachine, StateMachineProps, Succeed, Task,
    TaskInput,
};
use serde_json::json;

fn app() -> App {
    let app = App::new();
    app.set_source_root(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    app
}

/// A machine that invokes a function and publishes its failures to a topic.
fn machine(stack: &Stack, props: impl FnOnce(StateGraph) -> StateMachineProps) -> StateMachine {
    let function = RustFunction::new(
        stack,
        "Fn",
        RustFunctionProps::new("functions/order-processor"),
    );
    let topic = Topic::new(stack, "Topic", TopicProps::default());
    let graph = StateGraph::new("Invoke")
        .state(
            "Invoke",
            Task::lambda_invoke(&function)
                .retry(Retry::on(errors::LAMBDA_TRANSIENT.iter().copied()))
                .catch(Catch::on([errors::ALL], "Notify").result_path("$.error"))
                .next("Done"),
        )
        .state(
            "Notify",
            Task::sns_publish(&topic, TaskInput::Path("$".into())).next("Done"),
        )
        .state("Done", Succeed::new());
    StateMachine::new(stack, "Machine", props(graph))
}

#[test]
fn role_has_exactly_the_task_grants_log_delivery_and_xray() {
    let app = app();
    let stack = app.stack("S");
    machine(&stack, StateMachineProps::new);
    let t = Template::from_stack(&stack);

    t.has_resource_properties(
        "AWS::IAM::Role",
        json!({"AssumeRolePolicyDocument": {"Statement": [{
            "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"
        }]}}),
    );
    let policies = t.find_resources(
        "AWS::IAM::Policy",
        &json!({"Properties": {"Roles": [{"Ref": role_logical_id(&t)}]}}),
    );
    assert_eq!(
        policies.len(),
        1,
        "one default policy for the machine's role"
    );
    let function_id = logical_id(&t, "AWS::Lambda::Function");
    let topic_id = logical_id(&t, "AWS::SNS::Topic");
    assert_eq!(
        policies[0].1["Properties"]["PolicyDocument"],
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:InvokeFunction",
             "Resource": {"Fn::GetAtt": [function_id, "Arn"]}},
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": topic_id}},
            {"Effect": "Allow", "Action": [
                "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
                "logs:PutResourcePolicy", "logs:UpdateLogDelivery"],
             "Resource": "*"},
            {"Effect": "Allow", "Action": [
                "xray:GetSamplingRules", "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
             "Resource": "*"}
        ]})
    );
}

#[test]
fn publishing_to_an_encrypted_topic_grants_the_topics_key() {
    let app = app();
    let stack = app.stack("S");
    let key = Key::new(&stack, "Key", KeyProps::default());
    let topic = Topic::new(
        &stack,
        "Topic",
        TopicProps {
            encryption_key: Some(key),
            ..TopicProps::default()
        },
    );
    let graph = StateGraph::new("Notify").state(
        "Notify",
        Task::sns_publish(&topic, TaskInput::Path("$".into())).end(),
    );
    StateMachine::new(
        &stack,
        "Machine",
        StateMachineProps {
            log_level: LogLevel::Off,
            tracing: false,
            ..StateMachineProps::new(graph)
        },
    );
    let t = Template::from_stack(&stack);
    let policies = t.find_resources(
        "AWS::IAM::Policy",
        &json!({"Properties": {"Roles": [{"Ref": role_logical_id(&t)}]}}),
    );
    assert_eq!(
        policies[0].1["Properties"]["PolicyDocument"]["Statement"],
        json!([
            {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": {"Fn::GetAtt": [logical_id(&t, "AWS::KMS::Key"), "Arn"]}},
            {"Effect": "Allow", "Action": "sns:Publish",
             "Resource": {"Ref": logical_id(&t, "AWS::SNS::Topic")}}
        ])
    );
}

#[test]
fn standard_type_logging_all_without_execution_data_and_tracing() {
    let app = app();
    let stack = app.stack("S");
    let machine = machine(&stack, StateMachineProps::new);
    let t = Template::from_stack(&stack);
    let log_group_id = logical_id_of(&t, "AWS::Logs::LogGroup", "MachineLogGroup");
    t.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        json!({
            "StateMachineType": "STANDARD",
            "RoleArn": {"Fn::GetAtt": [role_logical_id(&t), "Arn"]},
            "LoggingConfiguration": {
                "Level": "ALL",
                "IncludeExecutionData": false,
                "Destinations": [{"CloudWatchLogsLogGroup": {
                    "LogGroupArn": {"Fn::GetAtt": [log_group_id, "Arn"]}
                }}]
            },
            "TracingConfiguration": {"Enabled": true}
        }),
    );
    // The machine waits for its role's policy (Step Functions checks the
    // log delivery permissions at creation).
    let (_, sm) = &t.find_resources("AWS::StepFunctions::StateMachine", &json!({}))[0];
    let policy_id = logical_id_of(&t, "AWS::IAM::Policy", "MachineRoleDefaultPolicy");
    assert!(
        sm["DependsOn"]
            .as_array()
            .is_some_and(|d| d.contains(&json!(policy_id))),
        "{sm}"
    );
    t.has_resource_properties("AWS::Logs::LogGroup", json!({"RetentionInDays": 365}));
    assert_eq!(machine.definition().start_at(), "Invoke");
}

#[test]
fn definition_is_an_object_with_substitutions_for_the_arns() {
    let app = app();
    let stack = app.stack("S");
    machine(&stack, StateMachineProps::new);
    let t = Template::from_stack(&stack);
    let function_id = logical_id(&t, "AWS::Lambda::Function");
    let topic_id = logical_id(&t, "AWS::SNS::Topic");
    t.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        json!({
            "Definition": {
                "StartAt": "Invoke",
                "States": {
                    "Invoke": {"Type": "Task", "Resource": "${LambdaInvoke}",
                               "Parameters": {"FunctionName": "${InvokeFunctionName}", "Payload.$": "$"}},
                    "Notify": {"Type": "Task", "Resource": "${SnsPublish}",
                               "Parameters": {"TopicArn": "${NotifyTopicArn}", "Message.$": "$"}}
                }
            },
            "DefinitionSubstitutions": Match::object_equals(json!({
                "InvokeFunctionName": {"Fn::GetAtt": [function_id, "Arn"]},
                "LambdaInvoke": {"Fn::Sub": "arn:${AWS::Partition}:states:::lambda:invoke"},
                "SnsPublish": {"Fn::Sub": "arn:${AWS::Partition}:states:::sns:publish"},
                "NotifyTopicArn": {"Ref": topic_id}
            }))
        }),
    );
}

#[test]
fn options_error_level_execution_data_no_tracing_given_log_group() {
    let app = app();
    let stack = app.stack("S");
    let shared = rcdk_aws::logs::LogGroup::new(&stack, "Shared", Default::default());
    let m = machine(&stack, |graph| StateMachineProps {
        log_level: LogLevel::Error,
        include_execution_data: true,
        tracing: false,
        log_group: Some(shared.clone()),
        ..StateMachineProps::new(graph)
    });
    let t = Template::from_stack(&stack);
    t.resource_count_is("AWS::Logs::LogGroup", 2); // the function's and the shared one
    t.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        json!({
            "LoggingConfiguration": {"Level": "ERROR", "IncludeExecutionData": true},
            "TracingConfiguration": {"Enabled": false}
        }),
    );
    let actions: Vec<String> = m
        .role()
        .statements()
        .iter()
        .flat_map(|s| s.actions().to_vec())
        .collect();
    assert!(
        !actions.iter().any(|a| a.starts_with("xray:")),
        "{actions:?}"
    );
}

#[test]
fn grant_start_execution_names_the_machine() {
    let app = app();
    let stack = app.stack("S");
    let m = machine(&stack, StateMachineProps::new);
    let caller = Role::new(
        &stack,
        "Caller",
        &ServicePrincipal::new("events.amazonaws.com"),
    );
    m.grant_start_execution(&caller);
    let t = Template::from_stack(&stack);
    let sm_id = logical_id(&t, "AWS::StepFunctions::StateMachine");
    t.has_resource_properties(
        "AWS::IAM::Policy",
        json!({"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "states:StartExecution", "Resource": {"Ref": sm_id}}
        ]}}),
    );
}

fn logical_id(t: &Template, resource_type: &str) -> String {
    let found = t.find_resources(resource_type, &json!({}));
    assert_eq!(found.len(), 1, "expected one {resource_type}");
    found[0].0.clone()
}

fn logical_id_of(t: &Template, resource_type: &str, prefix: &str) -> String {
    t.find_resources(resource_type, &json!({}))
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| id.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {resource_type} whose logical ID starts with {prefix}"))
}

fn role_logical_id(t: &Template) -> String {
    logical_id_of(t, "AWS::IAM::Role", "MachineRole")
}
