//! API Gateway: REST APIs with a REQUEST Lambda authorizer and Lambda proxy
//! integrations.
//!
//! [`RestApi`] owns the `AWS::ApiGateway::RestApi` (child id `Resource`) and
//! everything a deployable API needs around it: resources and methods
//! ([`ApiResource`], [`ApiMethod`]), a deployment whose logical ID changes
//! with the API's definition, one stage with throttling, JSON access logs and
//! X-Ray tracing, gateway responses for 401 and 403 with JSON bodies, and the
//! Lambda permissions that let API Gateway call the handlers and the
//! authorizer, each scoped to one source ARN.
//!
//! # Secure defaults
//!
//! | Setting | Default |
//! |---|---|
//! | endpoint | `REGIONAL` |
//! | stage name | `v1` ([`DEFAULT_STAGE_NAME`]) |
//! | throttling | 100 requests/s, bursts of 200, for every method of the stage |
//! | access logs | JSON ([`ACCESS_LOG_FORMAT`]) to a log group owned by the API, 365 days |
//! | tracing | X-Ray on |
//! | method metrics, execution logs, data trace | off |
//! | caching | off |
//! | methods | Lambda proxy (`AWS_PROXY`), authorization `CUSTOM` by a [`RequestAuthorizer`] |
//! | authorizer | identity source `method.request.header.Authorization`, result TTL 300 s |
//!
//! Methods can only be added with an authorizer: an open method is not
//! expressible through this module (use the L1 types if one is ever needed).
//!
//! # The account's CloudWatch Logs role
//!
//! API Gateway writes access logs with one IAM role per account and region,
//! set by `AWS::ApiGateway::Account`. A stage with access logging cannot be
//! created until that role is set. [`RestApiProps::cloud_watch_role`]
//! (default `false`, as in the AWS CDK with its current feature flags)
//! creates the role and the `Account` resource in the stack; both are
//! *retained* when the stack is deleted, because other APIs of the account
//! rely on the setting. Turn it on in one stack per account and region (or
//! in every stack that might be deployed first: setting it again with an
//! equivalent role is harmless). The role may write to any log group of its
//! account and region, because it serves every API there; that is scoped to
//! `arn:…:logs:<region>:<account>:log-group:*`, never `*`.
//!
//! # Redeployment
//!
//! A REST API serves what its latest *deployment* captured, and
//! CloudFormation creates a new deployment only when the
//! `AWS::ApiGateway::Deployment` resource is replaced. As in the AWS CDK, the
//! deployment's logical ID is its path-derived ID followed by a hash of the
//! API's definition (resources, methods, authorizers, gateway responses,
//! request models and validators, as they are given to this module), so any
//! change to them replaces the deployment and the stage moves to it. The hash
//! covers the definitions passed through this module's methods; changes made
//! afterwards through the L1 escape hatches are not seen.
//!
//! # IAM
//!
//! The module writes no `Resource: "*"`. Lambda invocations are
//! resource-based permissions (`AWS::Lambda::Permission`) with a `SourceArn`
//! naming the API, the stage, the method and the path (for handlers) or the
//! authorizer (for authorizers).

mod authorizer;
mod method;
mod rest_api;

pub use authorizer::{RequestAuthorizer, RequestAuthorizerProps, DEFAULT_IDENTITY_SOURCE};
pub use method::HttpMethod;
pub use rest_api::{ApiMethod, ApiResource, Authorization, RestApi, RestApiProps};

/// The stage name used when none is given.
pub const DEFAULT_STAGE_NAME: &str = "v1";

/// The access log format: one JSON object per request. `errorMessage` uses
/// `$context.error.messageString`, the message already quoted and escaped
/// for JSON, so that a message containing quotes stays valid JSON.
pub const ACCESS_LOG_FORMAT: &str = concat!(
    r#"{"requestId":"$context.requestId","#,
    r#""ip":"$context.identity.sourceIp","#,
    r#""caller":"$context.identity.caller","#,
    r#""user":"$context.identity.user","#,
    r#""requestTime":"$context.requestTime","#,
    r#""httpMethod":"$context.httpMethod","#,
    r#""resourcePath":"$context.resourcePath","#,
    r#""status":"$context.status","#,
    r#""protocol":"$context.protocol","#,
    r#""responseLength":"$context.responseLength","#,
    r#""integrationLatency":"$context.integrationLatency","#,
    r#""xrayTraceId":"$context.xrayTraceId","#,
    r#""errorMessage":$context.error.messageString}"#
);

/// What the account's API Gateway CloudWatch Logs role may do: create and
/// write log groups and streams (access logs and execution logs of every
/// API of the account and region).
pub const CLOUD_WATCH_ROLE_ACTIONS: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
];

/// The service principal of API Gateway.
pub const SERVICE_PRINCIPAL: &str = "apigateway.amazonaws.com";
