//! Secure defaults of the REST API construct: access logs, tracing,
//! throttling, the authorizer, Lambda permissions scoped to their source,
//! the deployment's dependencies and replacement, gateway responses.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use constructs::assertions::{Match, Template};
use constructs::{App, Format, Stack};
use rcdk_aws::apigateway::{
    Authorization, HttpMethod, RequestAuthorizer, RequestAuthorizerProps, RestApi, RestApiProps,
    ACCESS_LOG_FORMAT, CLOUD_WATCH_ROLE_ACTIONS,
};
use rcdk_aws::lambda::{RustFunction, RustFunctionProps};
use serde_json::{json, Value as Json};

/// An app rooted at the workspace, so function assets hash real crates.
fn stack() -> Stack {
    let app = App::new();
    app.set_source_root(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    app.stack("S")
}

struct Fixture {
    stack: Stack,
    api: RestApi,
    handler: RustFunction,
    authorizer: RequestAuthorizer,
}

/// `POST /orders` on an API with default settings.
fn orders_api(props: RestApiProps) -> Fixture {
    let stack = stack();
    let handler = RustFunction::new(
        &stack,
        "Handler",
        RustFunctionProps::new("functions/orders-api"),
    );
    let auth_fn = RustFunction::new(
        &stack,
        "AuthFn",
        RustFunctionProps::new("functions/authorizer"),
    );
    let api = RestApi::new(&stack, "Api", props);
    let authorizer =
        api.add_request_authorizer("Auth", &auth_fn, RequestAuthorizerProps::default());
    api.add_resource_path("/orders").add_method(
        HttpMethod::Post,
        &handler,
        Authorization::Custom(&authorizer),
    );
    Fixture {
        stack,
        api,
        handler,
        authorizer,
    }
}

/// The logical ID of the only resource of `resource_type`.
fn only(t: &Template, resource_type: &str) -> (String, Json) {
    let found = t.find_resources(resource_type, &json!({}));
    assert_eq!(found.len(), 1, "one {resource_type}: {found:?}");
    found[0].clone()
}

fn reference(id: &str) -> Json {
    json!({ "Ref": id })
}

fn getatt(id: &str, attribute: &str) -> Json {
    json!({ "Fn::GetAtt": [id, attribute] })
}

#[test]
fn regional_api_with_a_traced_throttled_access_logged_stage() {
    let f = orders_api(RestApiProps::default());
    let t = Template::from_stack(&f.stack);
    t.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        json!({"Name": "Api", "EndpointConfiguration": {"Types": ["REGIONAL"]}}),
    );
    let (access_logs, log_group) = t
        .find_resources("AWS::Logs::LogGroup", &json!({}))
        .into_iter()
        .find(|(id, _)| id.starts_with("ApiAccessLogs"))
        .expect("the API's access log group");
    assert_eq!(log_group["Properties"]["RetentionInDays"], 365);
    assert_eq!(log_group["DeletionPolicy"], "Retain");
    let (deployment, _) = only(&t, "AWS::ApiGateway::Deployment");
    // Whether to cache is the app's call: by default the stage skips no checkov check.
    assert_eq!(
        only(&t, "AWS::ApiGateway::Stage").1["Metadata"]["checkov"],
        Json::Null
    );
    t.has_resource_properties(
        "AWS::ApiGateway::Stage",
        json!({
            "StageName": "v1",
            "DeploymentId": reference(&deployment),
            "TracingEnabled": true,
            "AccessLogSetting": {
                "DestinationArn": getatt(&access_logs, "Arn"),
                "Format": ACCESS_LOG_FORMAT
            },
            "MethodSettings": [{
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": 100.0,
                "ThrottlingBurstLimit": 200,
                "MetricsEnabled": false,
                "DataTraceEnabled": false
            }],
            "CacheClusterEnabled": Match::absent()
        }),
    );
}

/// Stands in for the one field that is already quoted by API Gateway.
fn access_log_line() -> Json {
    let line = ACCESS_LOG_FORMAT.replace("$context.error.messageString", "\"quoted\"");
    serde_json::from_str(&line).expect("the access log format is one JSON object")
}

#[test]
fn access_log_format_is_json_with_the_standard_fields() {
    let line = access_log_line();
    for field in [
        "requestId",
        "ip",
        "caller",
        "user",
        "requestTime",
        "httpMethod",
        "resourcePath",
        "status",
        "protocol",
        "responseLength",
        "integrationLatency",
        "errorMessage",
    ] {
        assert!(line.get(field).is_some(), "missing {field} in {line}");
    }
    assert!(
        ACCESS_LOG_FORMAT.contains(r#""errorMessage":$context.error.messageString}"#),
        "the error message is the pre-quoted variable, so quotes in it keep the line valid JSON"
    );
}

#[test]
fn throttling_and_stage_name_are_settable() {
    let f = orders_api(RestApiProps {
        stage_name: "prod".into(),
        throttling_rate_limit: 5.0,
        throttling_burst_limit: 7,
        metrics_enabled: true,
        ..RestApiProps::default()
    });
    Template::from_stack(&f.stack).has_resource_properties(
        "AWS::ApiGateway::Stage",
        json!({
            "StageName": "prod",
            "MethodSettings": [{"ThrottlingRateLimit": 5.0, "ThrottlingBurstLimit": 7, "MetricsEnabled": true}]
        }),
    );
}

#[test]
fn request_authorizer_caches_decisions_by_the_authorization_header() {
    let f = orders_api(RestApiProps::default());
    let t = Template::from_stack(&f.stack);
    let (api, _) = only(&t, "AWS::ApiGateway::RestApi");
    let (authorizer, _) = only(&t, "AWS::ApiGateway::Authorizer");
    let auth_fn = t
        .find_resources("AWS::Lambda::Function", &json!({}))
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| id.starts_with("AuthFn"))
        .unwrap();
    t.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        json!({
            "Type": "REQUEST",
            "Name": "Auth",
            "RestApiId": reference(&api),
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": 300,
            "AuthorizerUri": {"Fn::Sub": [
                "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Arn}/invocations",
                {"Arn": getatt(&auth_fn, "Arn")}
            ]}
        }),
    );
    // API Gateway may invoke the authorizer function as this authorizer only.
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({
            "Action": "lambda:InvokeFunction",
            "FunctionName": getatt(&auth_fn, "Arn"),
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": [
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApiId}/authorizers/${AuthorizerId}",
                {"RestApiId": reference(&api), "AuthorizerId": reference(&authorizer)}
            ]}
        }),
    );
    assert_eq!(f.authorizer.rest_api_id(), &f.api.rest_api_id());
}

#[test]
fn authorizer_settings_are_checked() {
    let stack = stack();
    let auth_fn = RustFunction::new(
        &stack,
        "AuthFn",
        RustFunctionProps::new("functions/authorizer"),
    );
    let api = RestApi::new(&stack, "Api", RestApiProps::default());
    api.add_request_authorizer(
        "Auth",
        &auth_fn,
        RequestAuthorizerProps {
            result_ttl_seconds: 3601,
            identity_sources: vec![],
            name: None,
        },
    );
    let err = stack.app().synth(Format::Json).unwrap_err().to_string();
    assert!(
        err.contains("result TTL must be 0 to 3600 seconds: 3601"),
        "{err}"
    );
    assert!(err.contains("needs at least one identity source"), "{err}");
}

#[test]
fn methods_are_lambda_proxies_behind_the_authorizer() {
    let f = orders_api(RestApiProps::default());
    let t = Template::from_stack(&f.stack);
    let (api, _) = only(&t, "AWS::ApiGateway::RestApi");
    let (authorizer, _) = only(&t, "AWS::ApiGateway::Authorizer");
    let (resource, _) = only(&t, "AWS::ApiGateway::Resource");
    let (stage, _) = only(&t, "AWS::ApiGateway::Stage");
    let handler = t
        .find_resources("AWS::Lambda::Function", &json!({}))
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| id.starts_with("Handler"))
        .unwrap();
    t.has_resource_properties(
        "AWS::ApiGateway::Resource",
        json!({"ParentId": getatt(&api, "RootResourceId"), "PathPart": "orders", "RestApiId": reference(&api)}),
    );
    t.has_resource_properties(
        "AWS::ApiGateway::Method",
        json!({
            "HttpMethod": "POST",
            "ResourceId": getatt(&resource, "ResourceId"),
            "RestApiId": reference(&api),
            "AuthorizationType": "CUSTOM",
            "AuthorizerId": reference(&authorizer),
            "Integration": {
                "Type": "AWS_PROXY",
                "IntegrationHttpMethod": "POST",
                "Uri": {"Fn::Sub": [
                    "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Arn}/invocations",
                    {"Arn": getatt(&handler, "Arn")}
                ]}
            }
        }),
    );
    // API Gateway may invoke the handler for POST /orders on the stage only.
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({
            "Action": "lambda:InvokeFunction",
            "FunctionName": getatt(&handler, "Arn"),
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": [
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApiId}/${Stage}/POST/orders",
                {"RestApiId": reference(&api), "Stage": reference(&stage)}
            ]}
        }),
    );
    t.resource_count_is("AWS::Lambda::Permission", 2);
    for (_, permission) in t.find_resources("AWS::Lambda::Permission", &json!({})) {
        assert!(
            permission["Properties"]["SourceArn"].is_object(),
            "every permission names its source: {permission}"
        );
    }
}

#[test]
fn nested_paths_reuse_resources_and_parameters_become_wildcards_in_permissions() {
    let f = orders_api(RestApiProps::default());
    let item = f.api.add_resource_path("/orders/{id}");
    assert_eq!(item.path(), "/orders/{id}");
    item.add_method(
        HttpMethod::Get,
        &f.handler,
        Authorization::Custom(&f.authorizer),
    );
    let t = Template::from_stack(&f.stack);
    t.resource_count_is("AWS::ApiGateway::Resource", 2);
    t.has_resource_properties("AWS::ApiGateway::Resource", json!({"PathPart": "{id}"}));
    t.has_resource_properties("AWS::ApiGateway::Method", json!({"HttpMethod": "GET"}));
    t.has_resource_properties(
        "AWS::Lambda::Permission",
        json!({"SourceArn": {"Fn::Sub": [
            "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApiId}/${Stage}/GET/orders/*",
            Match::any_value()
        ]}}),
    );
}

#[test]
fn invalid_paths_and_stage_names_are_errors() {
    let f = orders_api(RestApiProps {
        stage_name: "v 1".into(),
        ..RestApiProps::default()
    });
    f.api.add_resource_path("/a b");
    let err = f.stack.app().synth(Format::Json).unwrap_err().to_string();
    assert!(
        err.contains("stage name must be 1 to 128 letters, digits, '-' or '_': 'v 1'"),
        "{err}"
    );
    assert!(err.contains("'a b'"), "{err}");
}

#[test]
fn deployment_waits_for_methods_and_gateway_responses() {
    let f = orders_api(RestApiProps::default());
    let t = Template::from_stack(&f.stack);
    let (method, _) = only(&t, "AWS::ApiGateway::Method");
    let (_, deployment) = only(&t, "AWS::ApiGateway::Deployment");
    let depends_on: Vec<&str> = deployment["DependsOn"]
        .as_array()
        .expect("DependsOn")
        .iter()
        .filter_map(Json::as_str)
        .collect();
    assert!(depends_on.contains(&method.as_str()), "{depends_on:?}");
    for (response, _) in t.find_resources("AWS::ApiGateway::GatewayResponse", &json!({})) {
        assert!(
            depends_on.contains(&response.as_str()),
            "{response}: {depends_on:?}"
        );
    }
    assert!(
        deployment["Properties"].get("StageName").is_none(),
        "the stage is its own resource"
    );
}

fn deployment_id(stack: &Stack) -> String {
    only(&Template::from_stack(stack), "AWS::ApiGateway::Deployment").0
}

#[test]
fn deployment_is_replaced_when_the_api_changes_and_only_then() {
    let first = deployment_id(&orders_api(RestApiProps::default()).stack);
    let again = deployment_id(&orders_api(RestApiProps::default()).stack);
    assert_eq!(first, again, "deterministic");
    assert!(first.starts_with("ApiDeployment"), "{first}");
    assert!(
        first.len() <= 255 && first.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{first}"
    );

    // Stage settings are not part of the deployment.
    let throttled = orders_api(RestApiProps {
        throttling_rate_limit: 1.0,
        ..RestApiProps::default()
    });
    assert_eq!(deployment_id(&throttled.stack), first);

    let with_get = orders_api(RestApiProps::default());
    with_get.api.add_resource_path("/orders").add_method(
        HttpMethod::Get,
        &with_get.handler,
        Authorization::Custom(&with_get.authorizer),
    );
    let second = deployment_id(&with_get.stack);
    assert_ne!(first, second, "a new method means a new deployment");

    let validated = orders_api(RestApiProps::default());
    validated
        .api
        .add_resource_path("/orders")
        .add_method(
            HttpMethod::Put,
            &validated.handler,
            Authorization::Custom(&validated.authorizer),
        )
        .validate_body(json!({"type": "array"}));
    assert_ne!(deployment_id(&validated.stack), first);
}

#[test]
fn unauthorized_and_access_denied_answer_json() {
    let f = orders_api(RestApiProps::default());
    let t = Template::from_stack(&f.stack);
    let (api, _) = only(&t, "AWS::ApiGateway::RestApi");
    t.resource_count_is("AWS::ApiGateway::GatewayResponse", 2);
    for (response_type, status) in [("UNAUTHORIZED", "401"), ("ACCESS_DENIED", "403")] {
        t.has_resource_properties(
            "AWS::ApiGateway::GatewayResponse",
            json!({
                "ResponseType": response_type,
                "StatusCode": status,
                "RestApiId": reference(&api),
                "ResponseTemplates": {
                    "application/json": "{\"error\":$context.error.messageString,\"request_id\":\"$context.requestId\"}"
                }
            }),
        );
    }
}

#[test]
fn body_validation_adds_a_model_and_one_validator() {
    let f = orders_api(RestApiProps::default());
    let orders = f.api.add_resource_path("/orders");
    for method in [HttpMethod::Put, HttpMethod::Patch] {
        orders
            .add_method(method, &f.handler, Authorization::Custom(&f.authorizer))
            .validate_body(
                json!({"$schema": "http://json-schema.org/draft-04/schema#", "type": "array"}),
            );
    }
    let t = Template::from_stack(&f.stack);
    let (validator, _) = only(&t, "AWS::ApiGateway::RequestValidator");
    t.has_resource_properties(
        "AWS::ApiGateway::RequestValidator",
        json!({"ValidateRequestBody": true, "ValidateRequestParameters": false}),
    );
    t.resource_count_is("AWS::ApiGateway::Model", 2);
    t.has_resource_properties(
        "AWS::ApiGateway::Model",
        json!({"ContentType": "application/json", "Schema": {"type": "array"}}),
    );
    t.has_resource_properties(
        "AWS::ApiGateway::Method",
        json!({
            "HttpMethod": "PUT",
            "RequestValidatorId": reference(&validator),
            "RequestModels": {"application/json": Match::any_value()}
        }),
    );
    t.has_resource_properties(
        "AWS::ApiGateway::Method",
        json!({"HttpMethod": "POST", "RequestValidatorId": Match::absent()}),
    );
}

#[test]
fn cloud_watch_role_is_opt_in_retained_and_scoped_to_log_groups() {
    let t = Template::from_stack(&orders_api(RestApiProps::default()).stack);
    t.resource_count_is("AWS::ApiGateway::Account", 0);

    let t = Template::from_stack(
        &orders_api(RestApiProps {
            cloud_watch_role: true,
            ..RestApiProps::default()
        })
        .stack,
    );
    let (account, _) = only(&t, "AWS::ApiGateway::Account");
    let roles = t.find_resources(
        "AWS::IAM::Role",
        &json!({"Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "apigateway.amazonaws.com"}}]}}}),
    );
    assert_eq!(roles.len(), 1, "{roles:?}");
    let (role, role_json) = &roles[0];
    assert_eq!(role_json["DeletionPolicy"], "Retain");
    t.has_resource(
        "AWS::ApiGateway::Account",
        json!({
            "Properties": {"CloudWatchRoleArn": getatt(role, "Arn")},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain"
        }),
    );
    assert_eq!(
        role_json["Properties"]["Policies"][0]["PolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Action": CLOUD_WATCH_ROLE_ACTIONS,
            "Resource": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"}
        }])
    );
    t.has_resource("AWS::ApiGateway::Stage", json!({"DependsOn": [account]}));
}

#[test]
fn url_names_the_api_the_region_and_the_stage() {
    let f = orders_api(RestApiProps::default());
    f.stack.output("Url", constructs::Output::new(f.api.url()));
    let t = Template::from_stack(&f.stack);
    let (api, _) = only(&t, "AWS::ApiGateway::RestApi");
    let (stage, _) = only(&t, "AWS::ApiGateway::Stage");
    t.has_output(
        "Url",
        json!({"Value": {"Fn::Sub": [
            "https://${RestApiId}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/",
            {"RestApiId": reference(&api), "Stage": reference(&stage)}
        ]}}),
    );
}

#[test]
fn no_wildcard_resources_besides_xray() {
    let f = orders_api(RestApiProps {
        cloud_watch_role: true,
        ..RestApiProps::default()
    });
    let t = Template::from_stack(&f.stack);
    let mut statements = Vec::new();
    for (_, p) in t.find_resources("AWS::IAM::Policy", &json!({})) {
        statements.extend(
            p["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .clone(),
        );
    }
    for (_, r) in t.find_resources("AWS::IAM::Role", &json!({})) {
        for p in r["Properties"]["Policies"].as_array().into_iter().flatten() {
            statements.extend(p["PolicyDocument"]["Statement"].as_array().unwrap().clone());
        }
    }
    for s in statements {
        if s["Resource"] == json!("*") {
            assert_eq!(
                s["Action"],
                json!(["xray:PutTelemetryRecords", "xray:PutTraceSegments"]),
                "only X-Ray, which has no resource-level permissions, is granted on *"
            );
        }
    }
}

#[test]
fn public_methods_say_why_and_tell_checkov() {
    let f = orders_api(RestApiProps::default());
    f.api.add_resource_path("/otp").add_method(
        HttpMethod::Post,
        &f.handler,
        Authorization::Public {
            reason: "Issues one-time codes before the caller can hold a token",
        },
    );
    let t = Template::from_stack(&f.stack);
    let methods = t.find_resources("AWS::ApiGateway::Method", &json!({}));
    let public: Vec<_> = methods
        .iter()
        .filter(|(_, m)| m["Properties"]["AuthorizationType"] == "NONE")
        .collect();
    assert_eq!(public.len(), 1, "{methods:?}");
    assert_eq!(
        public[0].1["Metadata"]["checkov"]["skip"],
        json!([{"id": "CKV_AWS_59", "comment": "Issues one-time codes before the caller can hold a token"}])
    );
    assert!(public[0].1["Properties"].get("AuthorizerId").is_none());

    f.api.add_resource_path("/open").add_method(
        HttpMethod::Get,
        &f.handler,
        Authorization::Public { reason: " " },
    );
    let err = f.stack.app().synth(Format::Json).unwrap_err().to_string();
    assert!(
        err.contains("method GET /open: a public method needs the reason it is public"),
        "{err}"
    );
}
