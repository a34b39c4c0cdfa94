//! REQUEST authorizers backed by a Rust function.

use cfn::apigateway::{Authorizer as CfnAuthorizer, AuthorizerRef};
use constructs::value::sub_with;
use constructs::{JsonValue, Scope, Value};

use super::SERVICE_PRINCIPAL;
use crate::arn::ArnComponents;
use crate::iam::ServicePrincipal;
use crate::lambda::RustFunction;

/// The identity source used when none is given: the `Authorization` header.
/// Requests without it are refused with 401 before the function runs.
pub const DEFAULT_IDENTITY_SOURCE: &str = "method.request.header.Authorization";

/// Settings of a [`RequestAuthorizer`].
#[derive(Clone, Debug)]
pub struct RequestAuthorizerProps {
    /// The request parameters that identify the caller and key the cached
    /// decision. Default: `[DEFAULT_IDENTITY_SOURCE]`.
    pub identity_sources: Vec<String>,
    /// How long API Gateway caches a decision, in seconds (0 to 3600; 0
    /// turns caching off). Default: 300.
    pub result_ttl_seconds: u32,
    /// The authorizer's name in API Gateway. Default: the construct id.
    pub name: Option<String>,
}

impl Default for RequestAuthorizerProps {
    fn default() -> Self {
        RequestAuthorizerProps {
            identity_sources: vec![DEFAULT_IDENTITY_SOURCE.to_owned()],
            result_ttl_seconds: 300,
            name: None,
        }
    }
}

/// A Lambda REQUEST authorizer of one REST API. Create it with
/// [`super::RestApi::add_request_authorizer`]; methods use it through
/// [`super::ApiResource::add_method`].
#[derive(Clone, Debug)]
pub struct RequestAuthorizer {
    resource: AuthorizerRef,
    rest_api_id: Value<String>,
}

impl RequestAuthorizer {
    /// Adds the authorizer under `scope` (the API's scope) and lets API
    /// Gateway invoke `handler` for this authorizer only.
    pub(super) fn new(
        scope: &Scope,
        id: &str,
        rest_api_id: Value<String>,
        handler: &RustFunction,
        props: RequestAuthorizerProps,
    ) -> (RequestAuthorizer, JsonValue) {
        if props.result_ttl_seconds > 3600 {
            scope.add_error(format!(
                "authorizer '{id}': result TTL must be 0 to 3600 seconds: {}",
                props.result_ttl_seconds
            ));
        }
        if props.result_ttl_seconds > 0 && props.identity_sources.is_empty() {
            scope.add_error(format!(
                "authorizer '{id}': a cached REQUEST authorizer needs at least one identity source"
            ));
        }
        let name = props.name.clone().unwrap_or_else(|| id.to_owned());
        let mut authorizer = CfnAuthorizer::new(rest_api_id.clone(), "REQUEST", name)
            .authorizer_uri(lambda_invocation_uri(handler))
            .authorizer_result_ttl_in_seconds(i64::from(props.result_ttl_seconds));
        if !props.identity_sources.is_empty() {
            authorizer = authorizer.identity_source(props.identity_sources.join(","));
        }
        let definition = serde_json::to_value(&authorizer).unwrap_or_default();
        let resource = scope.scope(id).add("Resource", authorizer);
        handler.grant_invoke(
            &ServicePrincipal::new(SERVICE_PRINCIPAL)
                .with_source_arn(sub_with(
                    ArnComponents::new("execute-api", "${RestApiId}/authorizers/${AuthorizerId}")
                        .template(),
                    [
                        ("RestApiId", rest_api_id.clone()),
                        ("AuthorizerId", resource.ref_()),
                    ],
                ))
                .with_id(format!("{}.{id}.Permission", scope.id())),
        );
        let authorizer = RequestAuthorizer {
            resource,
            rest_api_id,
        };
        (authorizer, definition)
    }

    /// The authorizer's id (`Ref`).
    pub fn authorizer_id(&self) -> Value<String> {
        self.resource.ref_()
    }

    /// The id of the API the authorizer belongs to.
    pub fn rest_api_id(&self) -> &Value<String> {
        &self.rest_api_id
    }

    /// The L1 resource, as an escape hatch.
    pub fn resource(&self) -> &AuthorizerRef {
        &self.resource
    }
}

/// The URI API Gateway calls to invoke `function` (authorizers and proxy integrations).
pub(super) fn lambda_invocation_uri(function: &RustFunction) -> Value<String> {
    // API Gateway's service ARNs put the integrated service where the account goes.
    let invocations =
        ArnComponents::new("apigateway", "path/2015-03-31/functions/${Arn}/invocations")
            .account("lambda");
    sub_with(invocations.template(), [("Arn", function.arn())])
}
