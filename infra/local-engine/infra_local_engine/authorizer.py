"""Lambda authorizers (REQUEST and TOKEN) for REST APIs, enforced at request time.

LocalStack's community API Gateway routes requests to integrations but never
calls a method's `CUSTOM` authorizer. This handler, added to the
`preprocess_request` step of its REST API handler chain (the step it leaves
for extensions), does what API Gateway does before the integration runs:

- reads the authorizer's identity sources; a missing or empty one is a 401
  without calling the function (a TOKEN authorizer's validation expression too);
- invokes the authorizer function with the REQUEST or TOKEN event;
- an error `Unauthorized` from the function is a 401, any other error or a
  malformed answer a 500; a policy that does not allow `execute-api:Invoke` on
  the method ARN is a 403;
- caches the answer per identity-source values for the authorizer's
  `authorizerResultTtlInSeconds` (API Gateway's default, 300, when unset) and
  applies the cached policy to later requests, as API Gateway does;
- passes `principalId` and the answer's `context` (stringified) to the
  integration as `requestContext.authorizer`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time

from localstack.aws.connect import connect_to
from localstack.utils.aws.client_types import ServicePrincipal
from localstack.runtime import hooks
from localstack.services.apigateway.next_gen.execute_api.context import RestApiInvocationContext
from localstack.services.apigateway.next_gen.execute_api.gateway_response import (
    AccessDeniedError,
    AuthorizerConfigurationError,
    UnauthorizedError,
)
from localstack.services.apigateway.next_gen.execute_api.header_utils import (
    build_multi_value_headers,
)
from localstack.services.apigateway.next_gen.execute_api.helpers import (
    get_lambda_function_arn_from_invocation_uri,
)
from localstack.utils.aws.arns import extract_region_from_arn

from .policy import Answer, Decision, MalformedAnswer, method_arn, parse_answer

LOG = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300


class LambdaAuthorizerHandler:
    """A REST API handler-chain step that enforces `CUSTOM` (Lambda) authorizers."""

    def __init__(self) -> None:
        self._cache: dict[tuple, tuple[float, Answer]] = {}
        self._lock = threading.Lock()

    def __call__(self, chain, context: RestApiInvocationContext, response) -> None:
        method = context.resource_method or {}
        if method.get("authorizationType") != "CUSTOM":
            return
        authorizer_id = method.get("authorizerId")
        authorizer = context.deployment.rest_api.authorizers.get(authorizer_id)
        if authorizer is None:
            LOG.warning("method %s names authorizer %s, which is not in the deployment", method.get("httpMethod"), authorizer_id)
            raise AuthorizerConfigurationError("Internal server error")

        identity = identity_values(context, authorizer)
        if identity is None:
            raise UnauthorizedError("Unauthorized")
        arn = method_arn(
            context.region,
            context.account_id,
            context.api_id,
            context.stage,
            context.invocation_request["http_method"],
            context.invocation_request["path"],
        )
        answer = self._answer(context, authorizer, identity, arn)
        decision = answer.decide(arn)
        if decision is Decision.EXPLICIT_DENY:
            raise AccessDeniedError("User is not authorized to access this resource with an explicit deny")
        if decision is Decision.NO_ALLOW:
            raise AccessDeniedError("User is not authorized to access this resource")
        context.context_variables["authorizer"] = answer.request_context()

    def _answer(self, context, authorizer: dict, identity: tuple[str, ...], arn: str) -> Answer:
        ttl = authorizer.get("authorizerResultTtlInSeconds")
        ttl = DEFAULT_TTL_SECONDS if ttl is None else int(ttl)
        key = (context.api_id, context.stage, authorizer["id"], identity)
        now = time.monotonic()
        if ttl > 0:
            with self._lock:
                cached = self._cache.get(key)
            if cached and cached[0] > now:
                return cached[1]
        answer = self._invoke(context, authorizer, identity, arn)
        if ttl > 0:
            with self._lock:
                self._cache[key] = (now + ttl, answer)
        return answer

    def _invoke(self, context, authorizer: dict, identity: tuple[str, ...], arn: str) -> Answer:
        function_arn = get_lambda_function_arn_from_invocation_uri(authorizer["authorizerUri"])
        event = (
            token_event(identity[0], arn)
            if authorizer.get("type") == "TOKEN"
            else request_event(context, arn)
        )
        client = connect_to(region_name=extract_region_from_arn(function_arn)).lambda_
        result = client.request_metadata(
            service_principal=ServicePrincipal.apigateway, source_arn=arn
        ).invoke(FunctionName=function_arn, Payload=json.dumps(event).encode())
        payload = result["Payload"].read() if result.get("Payload") else b""
        if result.get("FunctionError"):
            message = _error_message(payload)
            if message == "Unauthorized":
                raise UnauthorizedError("Unauthorized")
            LOG.warning("authorizer %s failed: %s", function_arn, message)
            raise AuthorizerConfigurationError("Internal server error")
        try:
            return parse_answer(json.loads(payload))
        except (ValueError, MalformedAnswer) as e:
            LOG.warning("authorizer %s answered malformed output (%s): %s", function_arn, e, payload[:500])
            raise AuthorizerConfigurationError("Internal server error") from e


def identity_values(context: RestApiInvocationContext, authorizer: dict) -> tuple[str, ...] | None:
    """The values of the authorizer's identity sources, `None` when one is missing or empty
    (or a TOKEN authorizer's validation expression does not match)."""
    sources = [s.strip() for s in (authorizer.get("identitySource") or "").split(",") if s.strip()]
    request = context.invocation_request
    values = []
    for source in sources:
        value = None
        if source.startswith("method.request.header."):
            value = request["headers"].get(source.removeprefix("method.request.header."))
        elif source.startswith("method.request.querystring."):
            value = (request.get("query_string_parameters") or {}).get(source.removeprefix("method.request.querystring."))
        elif source.startswith("stageVariables."):
            value = (context.stage_variables or {}).get(source.removeprefix("stageVariables."))
        elif source.startswith("context."):
            value = (context.context_variables or {}).get(source.removeprefix("context."))
        if not value:
            return None
        values.append(str(value))
    if authorizer.get("type") == "TOKEN":
        if not values:
            return None
        expression = authorizer.get("identityValidationExpression")
        if expression and not re.fullmatch(expression, values[0]):
            return None
    return tuple(values)


def token_event(token: str, arn: str) -> dict:
    """The event of a TOKEN authorizer."""
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}


def request_event(context: RestApiInvocationContext, arn: str) -> dict:
    """The event of a REQUEST authorizer: the request as the proxy integration sees it."""
    request = context.invocation_request
    return {
        "type": "REQUEST",
        "methodArn": arn,
        "resource": context.resource["path"],
        "path": request["path"],
        "httpMethod": request["http_method"],
        "headers": dict(request["headers"]),
        "multiValueHeaders": build_multi_value_headers(request["headers"]),
        "queryStringParameters": request.get("query_string_parameters") or {},
        "multiValueQueryStringParameters": request.get("multi_value_query_string_parameters") or {},
        "pathParameters": request.get("path_parameters") or {},
        "stageVariables": context.stage_variables or {},
        "requestContext": context.context_variables,
    }


def _error_message(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("errorMessage", ""))
    except (ValueError, AttributeError):
        return payload.decode(errors="replace")


@hooks.on_infra_start()
def register_lambda_authorizers() -> None:
    """Adds the handler to every REST API invocation."""
    from localstack.services.apigateway.next_gen.execute_api import handlers

    handlers.preprocess_request.append(LambdaAuthorizerHandler())
    LOG.info("REST API Lambda authorizers are enforced (infra_local_engine)")
