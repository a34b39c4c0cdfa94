//! Generated resources added to a stack synthesize into the expected template.

use constructs::assertions::Template;
use constructs::value::{import_value, map};
use constructs::App;
use rcdk_cfn::dynamodb::table::{
    AttributeDefinition, AttributeType, BillingMode, KeySchema, KeyType, OnDemandThroughput,
};
use rcdk_cfn::dynamodb::{Table, TableRef};
use rcdk_cfn::iam::role::Policy;
use rcdk_cfn::iam::{Role, RoleRef};
use rcdk_cfn::lambda::function::{Code, Environment, Runtime};
use rcdk_cfn::lambda::{Function, FunctionRef};
use rcdk_cfn::logs::log_group::RetentionInDays;
use rcdk_cfn::logs::LogGroup;
use rcdk_cfn::s3::bucket::{VersioningConfiguration, VersioningConfigurationStatus};
use rcdk_cfn::s3::Bucket;
use serde_json::json;

#[test]
fn generated_resources_synthesize() {
    let app = App::new();
    let stack = app.stack("Orders");

    let table: TableRef = stack.add(
        "Table",
        Table::new(vec![
            KeySchema::new("pk", KeyType::Hash),
            KeySchema::new("sk", KeyType::Range),
        ])
        .attribute_definitions(vec![
            AttributeDefinition::new("pk", AttributeType::S),
            AttributeDefinition::new("sk", AttributeType::S),
        ])
        .billing_mode(BillingMode::PayPerRequest)
        .deletion_protection_enabled(import_value::<bool>("Shared:Protect"))
        .on_demand_throughput(
            OnDemandThroughput::new()
                .max_read_request_units(import_value::<i64>("Shared:MaxReads")),
        ),
    );
    let role: RoleRef = stack.add(
        "Role",
        Role::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        }))
        .policies(vec![Policy::new(
            "table",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table.arn()}]}),
        )]),
    );
    stack.add(
        "Bucket",
        Bucket::new().versioning_configuration(VersioningConfiguration::new(
            VersioningConfigurationStatus::Enabled,
        )),
    );
    let function: FunctionRef = stack.add(
        "Handler",
        Function::new(
            Code::new().s3_bucket("assets").s3_key("handler.zip"),
            role.arn(),
        )
        .runtime(Runtime::ProvidedAl2023)
        .handler("bootstrap")
        .memory_size(256)
        .environment(
            Environment::new()
                .variables(map([("TABLE_ARN", table.arn()), ("MODE", "prod".into())])),
        ),
    );
    stack.add(
        "Logs",
        LogGroup::new().retention_in_days(RetentionInDays::V14),
    );
    function.update(|f| f.timeout = Some(10.into()));

    let template = Template::from_stack(&stack);
    let table_id = template.find_resources("AWS::DynamoDB::Table", &json!({}))[0]
        .0
        .clone();
    let role_id = template.find_resources("AWS::IAM::Role", &json!({}))[0]
        .0
        .clone();
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        json!({
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
            "DeletionProtectionEnabled": {"Fn::ImportValue": "Shared:Protect"},
            "OnDemandThroughput": {"MaxReadRequestUnits": {"Fn::ImportValue": "Shared:MaxReads"}}
        }),
    );
    template.has_resource_properties(
        "AWS::IAM::Role",
        json!({
            "AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "lambda.amazonaws.com"}}]},
            "Policies": [{"PolicyName": "table", "PolicyDocument": {"Statement": [
                {"Resource": {"Fn::GetAtt": [table_id, "Arn"]}}
            ]}}]
        }),
    );
    template.has_resource_properties(
        "AWS::S3::Bucket",
        json!({"VersioningConfiguration": {"Status": "Enabled"}}),
    );
    template.has_resource_properties(
        "AWS::Lambda::Function",
        json!({
            "Code": {"S3Bucket": "assets", "S3Key": "handler.zip"},
            "Role": {"Fn::GetAtt": [role_id, "Arn"]},
            "Runtime": "provided.al2023",
            "MemorySize": 256,
            "Timeout": 10,
            "Environment": {"Variables": {"TABLE_ARN": {"Fn::GetAtt": [table_id, "Arn"]}, "MODE": "prod"}}
        }),
    );
    template.has_resource_properties("AWS::Logs::LogGroup", json!({"RetentionInDays": 14}));
}

#[test]
fn optional_properties_are_omitted() {
    let json = serde_json::to_value(Bucket::new()).unwrap();
    assert_eq!(json, json!({}));
    let json =
        serde_json::to_value(Table::new(vec![KeySchema::new("id", KeyType::Hash)]).table_name("t"))
            .unwrap();
    assert_eq!(
        json,
        json!({"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "TableName": "t"})
    );
}
