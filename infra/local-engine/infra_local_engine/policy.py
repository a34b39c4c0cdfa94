"""What API Gateway decides from a Lambda authorizer's answer, as pure functions.

An authorizer returns `{"principalId", "policyDocument", "context"}`; API Gateway
allows the request when a statement allows `execute-api:Invoke` on the method's
ARN and none denies it (an explicit `Deny` wins), and passes `principalId` and
the `context` values, stringified, to the integration as
`requestContext.authorizer`. No LocalStack imports: tested on their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Decision(Enum):
    """The outcome of evaluating a policy against one method ARN."""

    ALLOW = "allow"
    NO_ALLOW = "no-allow"  # 403 "User is not authorized to access this resource"
    EXPLICIT_DENY = "deny"  # 403 "… with an explicit deny"


class MalformedAnswer(ValueError):
    """The authorizer's answer is not what API Gateway accepts (a 500 to the caller)."""


@dataclass(frozen=True)
class Answer:
    """A well-formed authorizer answer."""

    principal_id: str
    statements: tuple[dict, ...]
    context: dict[str, str]

    def decide(self, method_arn: str) -> Decision:
        """Evaluates the policy for `method_arn`."""
        allowed = False
        for statement in self.statements:
            if not _matches_any(statement.get("Action"), "execute-api:Invoke"):
                continue
            if not _matches_any(statement.get("Resource"), method_arn):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.EXPLICIT_DENY
            if statement.get("Effect") == "Allow":
                allowed = True
        return Decision.ALLOW if allowed else Decision.NO_ALLOW

    def request_context(self) -> dict[str, str]:
        """`requestContext.authorizer` for the integration."""
        return {**self.context, "principalId": self.principal_id}


def parse_answer(answer: object) -> Answer:
    """Checks an authorizer's answer the way API Gateway does."""
    if not isinstance(answer, dict):
        raise MalformedAnswer("the answer is not a JSON object")
    principal_id = answer.get("principalId")
    if not isinstance(principal_id, str) or not principal_id:
        raise MalformedAnswer("principalId is missing or not a string")
    document = answer.get("policyDocument")
    if not isinstance(document, dict):
        raise MalformedAnswer("policyDocument is missing or not an object")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise MalformedAnswer("policyDocument.Statement is not a list of statements")
    context = answer.get("context") or {}
    if not isinstance(context, dict):
        raise MalformedAnswer("context is not an object")
    for key, value in context.items():
        if isinstance(value, (dict, list)):
            raise MalformedAnswer(f"context.{key} is an object or array; only strings, numbers and booleans pass")
    return Answer(principal_id, tuple(statements), {k: _stringify(v) for k, v in context.items()})


def method_arn(region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    """`arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


def _stringify(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _matches_any(patterns: object, value: str) -> bool:
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list):
        return False
    return any(isinstance(p, str) and _wildcard(p).fullmatch(value) for p in patterns)


def _wildcard(pattern: str) -> re.Pattern[str]:
    """IAM wildcards: `*` any run of characters, `?` one character."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))
