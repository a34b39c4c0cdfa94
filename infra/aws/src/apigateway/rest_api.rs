//! The REST API, its resources and methods, its deployment and its stage.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use cfn::apigateway::method::{Integration, Type as IntegrationType};
use cfn::apigateway::rest_api::EndpointConfiguration;
use cfn::apigateway::stage::{AccessLogSetting, MethodSetting};
use cfn::apigateway::{
    Account, AccountRef, Deployment, DeploymentRef, GatewayResponse, Method, MethodRef, Model,
    RequestValidator, RequestValidatorRef, Resource as CfnResource, RestApi as CfnRestApi,
    RestApiRef, Stage, StageRef,
};
use cfn::iam::role::Policy;
use cfn::iam::Role as CfnRole;
use cfn::logs::log_group::RetentionInDays;
use constructs::logical_id::{make_unique_id, MAX_ID_LEN};
use constructs::value::{list, map, sub_with};
use constructs::{JsonValue, RemovalPolicy, Scope, Value};
use serde::Serialize;
use serde_json::json;

use super::authorizer::{lambda_invocation_uri, RequestAuthorizer, RequestAuthorizerProps};
use super::{
    HttpMethod, ACCESS_LOG_FORMAT, CLOUD_WATCH_ROLE_ACTIONS, DEFAULT_STAGE_NAME, SERVICE_PRINCIPAL,
};
use crate::arn::{format_arn, ArnComponents};
use crate::checkov::CheckovSkip;
use crate::iam::{PolicyDocument, PolicyStatement, ServicePrincipal};
use crate::kms::Key;
use crate::lambda::RustFunction;
use crate::logs::{LogGroup, LogGroupProps};
use crate::pascal_case::pascal_case;

/// Gateway responses with JSON bodies: (response type, status code). The
/// body has the shape of the functions' errors, `{"error": …, "request_id": …}`.
const JSON_GATEWAY_RESPONSES: &[(&str, &str)] =
    &[("UNAUTHORIZED", "401"), ("ACCESS_DENIED", "403")];
const GATEWAY_RESPONSE_TEMPLATE: &str =
    r#"{"error":$context.error.messageString,"request_id":"$context.requestId"}"#;

/// Settings of a [`RestApi`].
#[derive(Clone, Debug)]
pub struct RestApiProps {
    /// The API's name in API Gateway. Default: the construct id.
    pub name: Option<String>,
    /// A description. Default: none.
    pub description: Option<String>,
    /// The stage's name, the first segment of every URL path (letters,
    /// digits, `-` and `_`). Default: [`DEFAULT_STAGE_NAME`] (`v1`).
    pub stage_name: String,
    /// Steady-state requests per second for every method of the stage.
    /// Default: 100 (the account's limit is 10 000 across all APIs).
    pub throttling_rate_limit: f64,
    /// Requests allowed in a burst above the rate. Default: 200.
    pub throttling_burst_limit: u32,
    /// Per-method CloudWatch metrics (billed as custom metrics). Default:
    /// `false`; the API-level metrics are always published.
    pub metrics_enabled: bool,
    /// How long access logs are kept. Default: 365 days.
    pub access_log_retention: RetentionInDays,
    /// What happens to the access log group with the stack. Default: `Retain`.
    pub access_log_removal_policy: RemovalPolicy,
    /// Encrypts the access logs with this key. Default: CloudWatch Logs' own encryption.
    pub encryption_key: Option<Key>,
    /// Creates the account's API Gateway CloudWatch Logs role and sets it
    /// with `AWS::ApiGateway::Account` (both retained with the stack); see the
    /// module documentation. Default: `false`.
    pub cloud_watch_role: bool,
    /// Checkov checks the stage deliberately does not meet, each with the
    /// reason, written to its metadata (`CKV_AWS_120` for a stage without
    /// response caching, say). Default: none.
    pub stage_checkov_skips: Vec<CheckovSkip>,
}

impl Default for RestApiProps {
    fn default() -> Self {
        RestApiProps {
            name: None,
            description: None,
            stage_name: DEFAULT_STAGE_NAME.to_owned(),
            throttling_rate_limit: 100.0,
            throttling_burst_limit: 200,
            metrics_enabled: false,
            access_log_retention: RetentionInDays::V365,
            access_log_removal_policy: RemovalPolicy::Retain,
            encryption_key: None,
            cloud_watch_role: false,
            stage_checkov_skips: Vec::new(),
        }
    }
}

/// A regional REST API with one stage. See the [module documentation](super).
#[derive(Clone, Debug)]
pub struct RestApi {
    scope: Scope,
    resource: RestApiRef,
    root: Scope,
    deployment: DeploymentRef,
    stage: StageRef,
    access_log_group: LogGroup,
    account: Option<AccountRef>,
    state: Rc<RefCell<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// The deployment's path-derived logical ID, before the definition hash.
    deployment_base_id: String,
    /// What the deployment captures, by construct path: hashed into its logical ID.
    definitions: BTreeMap<String, JsonValue>,
    /// Resources by URL path (`/orders`): their construct scope and resource id.
    resources: BTreeMap<String, (Scope, Value<String>)>,
    /// The request validator that checks bodies, created on first use.
    body_validator: Option<RequestValidatorRef>,
}

impl RestApi {
    /// Adds a REST API under `scope`.
    pub fn new(scope: &Scope, id: &str, props: RestApiProps) -> RestApi {
        let scope = scope.scope(id);
        let name = props.name.clone().unwrap_or_else(|| id.to_owned());
        let mut api = CfnRestApi::new()
            .name(name.as_str())
            .endpoint_configuration(EndpointConfiguration::new().types(list(["REGIONAL"])));
        if let Some(d) = &props.description {
            api = api.description(d.as_str());
        }
        let resource = scope.add("Resource", api);
        let api_id = resource.ref_();
        let root = scope.scope("Default");

        let access_log_group = LogGroup::new(
            &scope,
            "AccessLogs",
            LogGroupProps {
                retention: props.access_log_retention,
                encryption_key: props.encryption_key.clone(),
                removal_policy: props.access_log_removal_policy,
                log_group_name: None,
            },
        );

        let deployment = scope.scope("Deployment").add(
            "Resource",
            Deployment::new(api_id.clone()).description(format!("Deployment of the {name} API")),
        );
        let deployment_base_id = scope
            .stack()
            .and_then(|stack| {
                let below = deployment
                    .path()
                    .strip_prefix(&format!("{}/", stack.path()))
                    .map(str::to_owned)?;
                make_unique_id(&below.split('/').collect::<Vec<_>>())
            })
            .unwrap_or_else(|| "Deployment".to_owned());

        if !is_valid_stage_name(&props.stage_name) {
            scope.add_error(format!(
                "stage name must be 1 to 128 letters, digits, '-' or '_': '{}'",
                props.stage_name
            ));
        }
        let stage = scope.scope("Stage").add(
            "Resource",
            Stage::new(api_id.clone())
                .stage_name(props.stage_name.as_str())
                .deployment_id(deployment.ref_())
                .tracing_enabled(true)
                .access_log_setting(
                    AccessLogSetting::new()
                        .destination_arn(access_log_group.arn())
                        .format(ACCESS_LOG_FORMAT),
                )
                .method_settings(list([MethodSetting::new()
                    .resource_path("/*")
                    .http_method("*")
                    .throttling_rate_limit(props.throttling_rate_limit)
                    .throttling_burst_limit(i64::from(props.throttling_burst_limit))
                    .metrics_enabled(props.metrics_enabled)
                    .data_trace_enabled(false)])),
        );
        if !props.stage_checkov_skips.is_empty() {
            let skips: Vec<_> = props
                .stage_checkov_skips
                .iter()
                .map(CheckovSkip::to_json)
                .collect();
            stage.add_metadata("checkov", json!({ "skip": skips }));
        }

        let account = props.cloud_watch_role.then(|| {
            let account = cloud_watch_role(&scope);
            stage.add_depends_on(&account);
            account
        });

        let api = RestApi {
            scope,
            resource,
            root,
            deployment,
            stage,
            access_log_group,
            account,
            state: Rc::new(RefCell::new(State {
                deployment_base_id,
                ..State::default()
            })),
        };
        api.state.borrow_mut().resources.insert(
            "/".to_owned(),
            (api.root.clone(), api.resource.root_resource_id()),
        );
        for (response_type, status) in JSON_GATEWAY_RESPONSES {
            api.add_json_gateway_response(response_type, status);
        }
        api
    }

    /// The API's id (`Ref`).
    pub fn rest_api_id(&self) -> Value<String> {
        self.resource.ref_()
    }

    /// The stage's name (`Ref` of the stage, so users of it wait for it).
    pub fn stage_name(&self) -> Value<String> {
        self.stage.ref_()
    }

    /// The URL of the stage, ending in `/`:
    /// `https://{id}.execute-api.{region}.{url suffix}/{stage}/`.
    pub fn url(&self) -> Value<String> {
        sub_with(
            "https://${RestApiId}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/",
            [
                ("RestApiId", self.rest_api_id()),
                ("Stage", self.stage_name()),
            ],
        )
    }

    /// The ARN that `execute-api` permissions and resource policies use for
    /// `method` on `path` of this API's stage.
    pub fn execute_api_arn(&self, method: HttpMethod, path: &str) -> Value<String> {
        let resource = format!(
            "${{RestApiId}}/${{Stage}}/{}{}",
            method.arn_part(),
            arn_path(path)
        );
        sub_with(
            ArnComponents::new("execute-api", &resource).template(),
            [
                ("RestApiId", self.rest_api_id()),
                ("Stage", self.stage_name()),
            ],
        )
    }

    /// The root resource (`/`).
    pub fn root(&self) -> ApiResource {
        self.resource_at("/")
    }

    /// The resource at `path` (`/orders`, `/orders/{id}`), creating the
    /// missing resources along it.
    pub fn add_resource_path(&self, path: &str) -> ApiResource {
        path.split('/')
            .filter(|p| !p.is_empty())
            .fold(self.root(), |parent, part| parent.add_resource(part))
    }

    /// Adds a REQUEST authorizer backed by `handler`, which API Gateway may
    /// invoke for this authorizer only.
    pub fn add_request_authorizer(
        &self,
        id: &str,
        handler: &RustFunction,
        props: RequestAuthorizerProps,
    ) -> RequestAuthorizer {
        let (authorizer, definition) =
            RequestAuthorizer::new(&self.scope, id, self.rest_api_id(), handler, props);
        self.record(&authorizer.resource().path(), definition);
        authorizer
    }

    /// The access log group.
    pub fn access_log_group(&self) -> &LogGroup {
        &self.access_log_group
    }

    /// The L1 resource, as an escape hatch.
    pub fn resource(&self) -> &RestApiRef {
        &self.resource
    }

    /// The stage, as an escape hatch.
    pub fn stage(&self) -> &StageRef {
        &self.stage
    }

    /// The deployment, as an escape hatch.
    pub fn deployment(&self) -> &DeploymentRef {
        &self.deployment
    }

    /// The `AWS::ApiGateway::Account` setting the CloudWatch Logs role, when
    /// [`RestApiProps::cloud_watch_role`] is on.
    pub fn account(&self) -> Option<&AccountRef> {
        self.account.as_ref()
    }

    fn resource_at(&self, path: &str) -> ApiResource {
        let (scope, resource_id) = self.state.borrow().resources[path].clone();
        ApiResource {
            api: self.clone(),
            scope,
            path: path.to_owned(),
            resource_id,
        }
    }

    fn add_json_gateway_response(&self, response_type: &str, status: &str) {
        let response = GatewayResponse::new(response_type, self.rest_api_id())
            .status_code(status)
            .response_templates(map([("application/json", GATEWAY_RESPONSE_TEMPLATE)]));
        let definition = to_json(&response);
        let id = format!(
            "{}Response",
            pascal_case(&response_type.to_ascii_lowercase())
        );
        let added = self.scope.scope(&id).add("Resource", response);
        self.record(&added.path(), definition);
        // Gateway responses take effect with the next deployment: make it wait for them.
        self.deployment.add_depends_on(&added);
    }

    fn body_validator(&self) -> Value<String> {
        if let Some(v) = &self.state.borrow().body_validator {
            return v.ref_();
        }
        let validator = RequestValidator::new(self.rest_api_id())
            .name("body")
            .validate_request_body(true)
            .validate_request_parameters(false);
        let definition = to_json(&validator);
        let added = self.scope.scope("BodyValidator").add("Resource", validator);
        self.record(&added.path(), definition);
        let id = added.ref_();
        self.state.borrow_mut().body_validator = Some(added);
        id
    }

    /// Records part of the API's definition and renames the deployment after
    /// the hash of the whole definition, so that CloudFormation replaces the
    /// deployment (and the stage serves the new one) whenever it changes.
    fn record(&self, key: &str, definition: JsonValue) {
        let mut state = self.state.borrow_mut();
        state.definitions.insert(key.to_owned(), definition);
        let text = serde_json::to_string(&state.definitions).unwrap_or_default();
        let hash = format!("{:016x}", fnv1a64(text.as_bytes()));
        let mut base = state.deployment_base_id.clone();
        base.truncate(MAX_ID_LEN - hash.len());
        self.deployment.override_logical_id(base + &hash);
    }
}

/// A resource (URL path) of a [`RestApi`].
#[derive(Clone, Debug)]
pub struct ApiResource {
    api: RestApi,
    scope: Scope,
    path: String,
    resource_id: Value<String>,
}

impl ApiResource {
    /// The URL path, `/` for the root.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The resource's id in API Gateway.
    pub fn resource_id(&self) -> &Value<String> {
        &self.resource_id
    }

    /// The child resource `path_part` (`orders`, `{id}`), created on first use.
    pub fn add_resource(&self, path_part: &str) -> ApiResource {
        let path = if self.path == "/" {
            format!("/{path_part}")
        } else {
            format!("{}/{path_part}", self.path)
        };
        if self.api.state.borrow().resources.contains_key(&path) {
            return self.api.resource_at(&path);
        }
        if !is_valid_path_part(path_part) {
            self.scope.add_error(format!(
                "path part must be letters, digits, '-', '_', '.' or one '{{name}}' / '{{name+}}': '{path_part}'"
            ));
        }
        let resource =
            CfnResource::new(self.resource_id.clone(), path_part, self.api.rest_api_id());
        let definition = to_json(&resource);
        let scope = self.scope.scope(path_part);
        let added = scope.add("Resource", resource);
        self.api.record(&added.path(), definition);
        self.api
            .state
            .borrow_mut()
            .resources
            .insert(path.clone(), (scope.clone(), added.resource_id()));
        self.api.resource_at(&path)
    }

    /// Adds `http_method` on this resource, proxied to `handler` (Lambda
    /// proxy integration) and authorized as `authorization` says. API Gateway
    /// may invoke `handler` for this method, path and stage only.
    pub fn add_method(
        &self,
        http_method: HttpMethod,
        handler: &RustFunction,
        authorization: Authorization<'_>,
    ) -> ApiMethod {
        let method = Method::new(
            self.api.rest_api_id(),
            self.resource_id.clone(),
            http_method.as_str(),
        );
        let method = match authorization {
            Authorization::Custom(authorizer) => {
                if authorizer.rest_api_id() != &self.api.rest_api_id() {
                    self.scope.add_error(format!(
                        "method {http_method} {}: the authorizer belongs to another API",
                        self.path
                    ));
                }
                method
                    .authorization_type("CUSTOM")
                    .authorizer_id(authorizer.authorizer_id())
            }
            Authorization::Public { reason } => {
                if reason.trim().is_empty() {
                    self.scope.add_error(format!(
                        "method {http_method} {}: a public method needs the reason it is public",
                        self.path
                    ));
                }
                method.authorization_type("NONE")
            }
        };
        let method = method.integration(
            Integration::new(IntegrationType::AwsProxy)
                .integration_http_method("POST")
                .uri(lambda_invocation_uri(handler)),
        );
        let definition = to_json(&method);
        let scope = self.scope.scope(http_method.as_str());
        let resource = scope.add("Resource", method);
        if let Authorization::Public { reason } = authorization {
            resource.add_metadata(
                "checkov",
                json!({"skip": [{"id": "CKV_AWS_59", "comment": reason}]}),
            );
        }
        self.api.record(&resource.path(), definition);
        self.api.deployment.add_depends_on(&resource);

        handler.grant_invoke(
            &ServicePrincipal::new(SERVICE_PRINCIPAL)
                .with_source_arn(self.api.execute_api_arn(http_method, &self.path))
                .with_id(format!(
                    "ApiPermission.{}.{http_method}{}",
                    self.api.scope.id(),
                    self.path.replace('/', ".")
                )),
        );
        ApiMethod {
            api: self.api.clone(),
            scope,
            resource,
        }
    }
}

/// Who may call a method.
#[derive(Clone, Copy, Debug)]
pub enum Authorization<'a> {
    /// Callers the Lambda REQUEST authorizer allows.
    Custom(&'a RequestAuthorizer),
    /// Anyone: the method authenticates (or needs no authentication) by
    /// itself. The reason is required, and recorded in the method's metadata
    /// where checkov's "no open access" check reads it.
    Public {
        /// Why the method is open, for reviewers.
        reason: &'a str,
    },
}

/// A method of an [`ApiResource`].
#[derive(Clone, Debug)]
pub struct ApiMethod {
    api: RestApi,
    scope: Scope,
    resource: MethodRef,
}

impl ApiMethod {
    /// Makes API Gateway refuse (400) requests whose JSON body does not match
    /// `schema` (JSON Schema draft 4) before the handler runs. Default: no
    /// validation at the gateway; the handler validates.
    pub fn validate_body(&self, schema: JsonValue) -> &Self {
        let model = Model::new(self.api.rest_api_id())
            .content_type("application/json")
            .schema(schema);
        let definition = to_json(&model);
        let model = self.scope.scope("BodyModel").add("Resource", model);
        self.api.record(&model.path(), definition);
        let validator = self.api.body_validator();
        let model_name = model.ref_();
        self.resource.update(|m| {
            m.request_validator_id = Some(validator);
            m.request_models = Some(map([("application/json", model_name)]));
        });
        self.api.record(
            &format!("{}#body", self.resource.path()),
            json!({"validated": true}),
        );
        self
    }

    /// The L1 resource, as an escape hatch.
    pub fn resource(&self) -> &MethodRef {
        &self.resource
    }
}

/// The account's CloudWatch Logs role for API Gateway and the setting that
/// uses it, both retained (see the module documentation).
fn cloud_watch_role(scope: &Scope) -> AccountRef {
    let statement = PolicyStatement::allow(
        CLOUD_WATCH_ROLE_ACTIONS.iter().copied(),
        [format_arn(
            &ArnComponents::new("logs", "log-group").colon_name("*"),
        )],
    );
    let role = scope.scope("CloudWatchRole").add(
        "Resource",
        CfnRole::new(
            ServicePrincipal::new(SERVICE_PRINCIPAL)
                .trust_policy()
                .to_json(),
        )
        .policies(list([Policy::new(
            "PushToCloudWatchLogs",
            PolicyDocument::new([statement]).to_json(),
        )])),
    );
    role.apply_removal_policy(RemovalPolicy::Retain);
    let account = scope
        .scope("Account")
        .add("Resource", Account::new().cloud_watch_role_arn(role.arn()));
    account.apply_removal_policy(RemovalPolicy::Retain);
    account
}

fn to_json<T: Serialize>(value: &T) -> JsonValue {
    serde_json::to_value(value).unwrap_or_default()
}

/// FNV-1a, 64 bits: a small, stable, dependency-free hash for deployment IDs
/// (which need determinism, not collision resistance against adversaries).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The path as `execute-api` ARNs write it: path parameters become `*`.
fn arn_path(path: &str) -> String {
    if path == "/" {
        return "/".to_owned();
    }
    path.split('/')
        .map(|p| if p.starts_with('{') { "*" } else { p })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_valid_stage_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_valid_path_part(part: &str) -> bool {
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(name) => plain(name.strip_suffix('+').unwrap_or(name)),
        None => plain(part),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_paths_replace_parameters() {
        assert_eq!(arn_path("/"), "/");
        assert_eq!(arn_path("/orders"), "/orders");
        assert_eq!(arn_path("/orders/{id}/items"), "/orders/*/items");
    }

    #[test]
    fn names_and_parts_are_checked() {
        assert!(is_valid_stage_name("v1"));
        assert!(!is_valid_stage_name("v 1"));
        assert!(is_valid_path_part("orders"));
        assert!(is_valid_path_part("{id}"));
        assert!(is_valid_path_part("{proxy+}"));
        assert!(!is_valid_path_part("{}"));
        assert!(!is_valid_path_part("a b"));
    }

    #[test]
    fn fnv_is_the_reference_function() {
        // Test vectors of FNV-1a 64.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
