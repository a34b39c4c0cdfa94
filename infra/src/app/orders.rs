//! The orders stacks, in CloudFormation resource types (L1): a notifications
//! topic in one stack, and in another the orders table and the orders API
//! function, which reads the table name and the topic ARN from its environment.

use cfn::dynamodb::table::{
    AttributeDefinition, AttributeType, BillingMode, KeySchema, KeyType,
    PointInTimeRecoverySpecification, SSESpecification, TimeToLiveSpecification,
};
use cfn::dynamodb::Table;
use cfn::iam::Role;
use cfn::lambda::function::{Architectures, Code, Environment, Mode, Runtime, TracingConfig};
use cfn::lambda::Function;
use cfn::logs::log_group::RetentionInDays;
use cfn::logs::LogGroup;
use cfn::sns::Topic;
use constructs::value::{list, map};
use constructs::{Architecture, Output, RemovalPolicy, Stage};
use serde_json::json;

use super::Env;

/// Adds the `Notifications` and `Orders` stacks to `stage`.
pub fn build(stage: &Stage, env: Env) {
    let notifications = stage.stack("Notifications");
    notifications.set_description("Notifications topic of the orders system");
    let topic = notifications.add("Topic", Topic::new().kms_master_key_id("alias/aws/sns"));

    let orders = stage.stack("Orders");
    orders.set_description("Orders table and the orders API function");
    let retain = if env == Env::Prod {
        RemovalPolicy::Retain
    } else {
        RemovalPolicy::Delete
    };

    let table = orders.add(
        "Table",
        Table::new(list([KeySchema::new("record_id", KeyType::Hash)]))
            .attribute_definitions(list([AttributeDefinition::new(
                "record_id",
                AttributeType::S,
            )]))
            .billing_mode(BillingMode::PayPerRequest)
            .time_to_live_specification(
                TimeToLiveSpecification::new(true).attribute_name("expires_at"),
            )
            .point_in_time_recovery_specification(
                PointInTimeRecoverySpecification::new().point_in_time_recovery_enabled(true),
            )
            .sse_specification(SSESpecification::new(true)),
    );
    table.apply_removal_policy(retain);

    let function_name = format!("orders-api-{}", env.name());
    let log_group = orders.add(
        "LogGroup",
        LogGroup::new()
            .log_group_name(format!("/aws/lambda/{function_name}"))
            .retention_in_days(if env == Env::Prod {
                RetentionInDays::V365
            } else {
                RetentionInDays::V14
            }),
    );
    log_group.apply_removal_policy(retain);

    let role = orders.add(
        "Role",
        Role::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        }))
        .policies(list([cfn::iam::role::Policy::new(
            "orders-api",
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:ConditionCheckItem"], "Resource": table.arn()},
                {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": log_group.arn()},
                {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic.ref_()},
                // X-Ray has no resource-level permissions: "*" is the only valid resource.
                {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"}
            ]}),
        )])),
    );

    let code = orders.rust_function_asset("functions/orders-api", Architecture::Arm64);
    let function = orders.add(
        "Function",
        Function::new(
            Code::new()
                .s3_bucket(code.bucket_name)
                .s3_key(code.object_key),
            role.arn(),
        )
        .function_name(function_name.as_str())
        .runtime(Runtime::ProvidedAl2023)
        .handler("bootstrap")
        .architectures(list([Architectures::Arm64]))
        .memory_size(256)
        .timeout(10)
        .reserved_concurrent_executions(10)
        .tracing_config(TracingConfig::new().mode(Mode::Active))
        .environment(Environment::new().variables(map([
            ("ORDERS_TABLE_NAME", table.ref_()),
            ("NOTIFICATIONS_TOPIC_ARN", topic.ref_()),
        ]))),
    );
    function.add_depends_on(&log_group);
    function.add_metadata(
        "checkov",
        json!({"skip": [
            {"id": "CKV_AWS_116", "comment": "Invoked synchronously by API Gateway: a dead-letter queue never receives events"},
            {"id": "CKV_AWS_117", "comment": "Reaches only AWS APIs over TLS; no VPC resources to reach"},
            {"id": "CKV_AWS_173", "comment": "Environment holds resource names only, no secrets"}
        ]}),
    );

    orders.output(
        "FunctionArn",
        Output::new(function.arn()).description("ARN of the orders API function"),
    );
    orders.output(
        "TableName",
        Output::new(table.ref_()).description("Name of the orders table"),
    );
}
