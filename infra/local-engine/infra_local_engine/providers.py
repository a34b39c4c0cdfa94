"""Service providers that replace what LocalStack's community core cannot run here.

- `dynamodb:moto` (select with `PROVIDER_OVERRIDE_DYNAMODB=moto`): LocalStack's
  own DynamoDB provider downloads Java and DynamoDB Local at first use; this
  one serves every DynamoDB operation from the moto backend bundled with
  LocalStack. TTL settings are kept, but expired items are not deleted.
- `sesv2:default`: LocalStack emulates SES v1 only (v2 `SendEmail` answers
  501). This serves SES v2 from moto's backend, which shares identities with
  v1 (so an identity verified either way counts and an unverified sender gets
  `MessageRejected`), and records each sent mail where LocalStack's
  `GET /_aws/ses` lists the mails sent through v1.
"""

from __future__ import annotations

from localstack.aws.api import RequestContext
from localstack.aws.api.dynamodb import DynamodbApi
from localstack.aws.skeleton import Skeleton
from localstack.aws.spec import load_service
from localstack.services.moto import MotoFallbackDispatcher, call_moto
from localstack.services.plugins import Service, ServiceLifecycleHook, aws_provider
from localstack.services.ses.models import SentEmail, SentEmailBody
from localstack.services.ses.provider import register_ses_api_resource, save_for_retrospection


class MotoDynamoDBProvider(DynamodbApi, ServiceLifecycleHook):
    """Every operation falls through to moto (no method is overridden)."""

    def accept_state_visitor(self, visitor) -> None:
        from moto.dynamodb.models import dynamodb_backends

        visitor.visit(dynamodb_backends)


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto() -> Service:
    return Service.for_provider(MotoDynamoDBProvider(), dispatch_table_factory=MotoFallbackDispatcher)


class SesV2Lifecycle(ServiceLifecycleHook):
    def on_after_init(self) -> None:
        register_ses_api_resource()


def send_email(context: RequestContext, request: dict) -> dict:
    """SES v2 `SendEmail` through moto, then recorded for `GET /_aws/ses`."""
    response = call_moto(context)
    save_for_retrospection(sent_email(response["MessageId"], context.region, request))
    return response


def sent_email(message_id: str, region: str, request: dict) -> SentEmail:
    """The record of a v2 `SendEmail` request, in the shape `GET /_aws/ses` lists."""
    content = request.get("Content") or {}
    record = SentEmail(
        Id=message_id,
        Region=region,
        Destination=request.get("Destination") or {},
        Source=request.get("FromEmailAddress", ""),
    )
    if simple := content.get("Simple"):
        body = simple.get("Body") or {}
        record["Subject"] = (simple.get("Subject") or {}).get("Data")
        record["Body"] = SentEmailBody(
            text_part=(body.get("Text") or {}).get("Data"),
            html_part=(body.get("Html") or {}).get("Data"),
        )
    elif raw := content.get("Raw"):
        data = raw.get("Data")
        record["RawData"] = data.decode(errors="replace") if isinstance(data, bytes) else data
    elif template := content.get("Template"):
        record["Template"] = template.get("TemplateName")
        record["TemplateData"] = template.get("TemplateData")
    return record


@aws_provider(api="sesv2")
def sesv2() -> Service:
    model = load_service("sesv2")

    def proxy(context: RequestContext, _request: dict):
        return call_moto(context)

    table = {name: proxy for name in model.operation_names}
    table["SendEmail"] = send_email
    return Service("sesv2", skeleton=Skeleton(model, table), lifecycle_hook=SesV2Lifecycle())
