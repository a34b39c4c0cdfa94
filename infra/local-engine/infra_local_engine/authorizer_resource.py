"""CloudFormation resource provider for `AWS::ApiGateway::Authorizer`.

LocalStack's community CloudFormation has no provider for this type: it
"deploys it as a fallback" (nothing is created, `Ref` resolves to a dummy)
and the `AWS::ApiGateway::Method` that names the authorizer then fails. This
provider creates, updates and deletes the authorizer through the API Gateway
API, so `Ref` is the authorizer id, as in CloudFormation.
"""

from __future__ import annotations

from typing import TypedDict

from localstack.services.cloudformation.resource_provider import (
    CloudFormationResourceProviderPlugin,
    OperationStatus,
    ProgressEvent,
    ResourceProvider,
    ResourceRequest,
)


class AuthorizerProperties(TypedDict, total=False):
    RestApiId: str
    AuthorizerId: str
    Name: str
    Type: str
    AuthType: str
    AuthorizerCredentials: str
    AuthorizerResultTtlInSeconds: int
    AuthorizerUri: str
    IdentitySource: str
    IdentityValidationExpression: str
    ProviderARNs: list[str]


# CloudFormation property -> API Gateway request field, for the settable properties.
FIELDS = {
    "Name": "name",
    "Type": "type",
    "AuthType": "authType",
    "AuthorizerCredentials": "authorizerCredentials",
    "AuthorizerResultTtlInSeconds": "authorizerResultTtlInSeconds",
    "AuthorizerUri": "authorizerUri",
    "IdentitySource": "identitySource",
    "IdentityValidationExpression": "identityValidationExpression",
    "ProviderARNs": "providerARNs",
}

# The part of the registry schema (aws-apigateway-authorizer.json) the engine reads:
# identifiers, and which property changes replace the resource.
SCHEMA = {
    "typeName": "AWS::ApiGateway::Authorizer",
    "primaryIdentifier": ["/properties/RestApiId", "/properties/AuthorizerId"],
    "createOnlyProperties": ["/properties/RestApiId"],
    "readOnlyProperties": ["/properties/AuthorizerId"],
    "required": ["RestApiId", "Type", "Name"],
}


class ApiGatewayAuthorizerProvider(ResourceProvider[AuthorizerProperties]):
    """Creates, updates and deletes REST API authorizers."""

    TYPE = "AWS::ApiGateway::Authorizer"
    SCHEMA = SCHEMA

    def create(self, request: ResourceRequest[AuthorizerProperties]) -> ProgressEvent[AuthorizerProperties]:
        model = request.desired_state
        fields = {
            field: model[prop] for prop, field in FIELDS.items() if model.get(prop) is not None
        }
        if "authorizerResultTtlInSeconds" in fields:
            fields["authorizerResultTtlInSeconds"] = int(fields["authorizerResultTtlInSeconds"])
        created = request.aws_client_factory.apigateway.create_authorizer(
            restApiId=model["RestApiId"], **fields
        )
        model["AuthorizerId"] = created["id"]
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def update(self, request: ResourceRequest[AuthorizerProperties]) -> ProgressEvent[AuthorizerProperties]:
        model = request.desired_state
        previous = request.previous_state or {}
        model["AuthorizerId"] = previous["AuthorizerId"]
        operations = patch_operations(previous, model)
        if operations:
            request.aws_client_factory.apigateway.update_authorizer(
                restApiId=model["RestApiId"],
                authorizerId=model["AuthorizerId"],
                patchOperations=operations,
            )
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)

    def delete(self, request: ResourceRequest[AuthorizerProperties]) -> ProgressEvent[AuthorizerProperties]:
        model = request.desired_state
        client = request.aws_client_factory.apigateway
        try:
            client.delete_authorizer(restApiId=model["RestApiId"], authorizerId=model["AuthorizerId"])
        except client.exceptions.NotFoundException:
            pass  # already gone with its API
        return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model)


def patch_operations(before: dict, after: dict) -> list[dict]:
    """The API Gateway patch operations that turn `before` into `after` (settable properties only)."""
    operations = []
    for prop, field in FIELDS.items():
        old, new = before.get(prop), after.get(prop)
        if old == new:
            continue
        if prop == "ProviderARNs":
            # A list: API Gateway patches it member by member.
            for arn in set(old or []) - set(new or []):
                operations.append({"op": "remove", "path": f"/{field}/{arn}"})
            for arn in set(new or []) - set(old or []):
                operations.append({"op": "add", "path": f"/{field}", "value": arn})
        elif new is None:
            operations.append({"op": "remove", "path": f"/{field}"})
        else:
            operations.append({"op": "replace", "path": f"/{field}", "value": str(new)})
    return operations


class ApiGatewayAuthorizerProviderPlugin(CloudFormationResourceProviderPlugin):
    """Registers the provider for `AWS::ApiGateway::Authorizer`."""

    name = "AWS::ApiGateway::Authorizer"

    def __init__(self) -> None:
        self.factory: type[ResourceProvider] | None = None

    def load(self):
        self.factory = ApiGatewayAuthorizerProvider
