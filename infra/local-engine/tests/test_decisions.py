"""The pure parts: authorizer policy decisions, authorizer patches, sent-mail records;
and that every plugin the package registers loads (LocalStack skips one that fails to
import, silently)."""

import importlib.metadata
import unittest

from infra_local_engine.authorizer_resource import patch_operations
from infra_local_engine.policy import Decision, MalformedAnswer, method_arn, parse_answer
from infra_local_engine.providers import sent_email

ARN = method_arn("us-east-1", "000000000000", "abc123", "prod", "POST", "/orders")


def answer(effect="Allow", resource="*", action="execute-api:Invoke", context=None):
    return {
        "principalId": "user@example.com",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": effect, "Action": action, "Resource": resource}],
        },
        "context": context or {},
    }


class EntryPointsTest(unittest.TestCase):
    def test_every_registered_plugin_loads(self):
        points = importlib.metadata.distribution("infra-local-engine").entry_points
        self.assertEqual(
            sorted(p.group for p in points),
            [
                "localstack.aws.provider",
                "localstack.aws.provider",
                "localstack.cloudformation.resource_providers",
                "localstack.hooks.on_infra_start",
                "localstack.lambda.runtime_executor",
            ],
        )
        for point in points:
            self.assertIsNotNone(point.load(), point.name)


class PolicyTest(unittest.TestCase):
    def test_the_method_arn(self):
        self.assertEqual(ARN, "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/POST/orders")

    def test_allow_on_the_arn_or_a_wildcard_allows(self):
        for resource in (ARN, "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/*", "*", [ARN]):
            self.assertIs(parse_answer(answer(resource=resource)).decide(ARN), Decision.ALLOW, resource)
        self.assertIs(
            parse_answer(answer(resource="arn:aws:execute-api:us-east-1:000000000000:abc123/pro?/POST/orders")).decide(ARN),
            Decision.ALLOW,
        )

    def test_allow_elsewhere_or_for_another_action_does_not(self):
        other = "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/GET/orders"
        self.assertIs(parse_answer(answer(resource=other)).decide(ARN), Decision.NO_ALLOW)
        self.assertIs(parse_answer(answer(action="execute-api:ManageConnections")).decide(ARN), Decision.NO_ALLOW)
        self.assertIs(parse_answer(answer(action="execute-api:*")).decide(ARN), Decision.ALLOW)

    def test_an_explicit_deny_wins(self):
        document = answer()
        document["policyDocument"]["Statement"].append({"Effect": "Deny", "Action": "*", "Resource": ARN})
        self.assertIs(parse_answer(document).decide(ARN), Decision.EXPLICIT_DENY)

    def test_the_context_is_stringified_with_the_principal(self):
        parsed = parse_answer(answer(context={"email": "a@b.c", "level": 3, "admin": False}))
        self.assertEqual(
            parsed.request_context(),
            {"email": "a@b.c", "level": "3", "admin": "false", "principalId": "user@example.com"},
        )

    def test_malformed_answers_are_refused(self):
        for bad in (
            None,
            [],
            {"policyDocument": answer()["policyDocument"]},
            {**answer(), "principalId": 7},
            {**answer(), "policyDocument": {"Statement": "Allow"}},
            {**answer(), "context": {"nested": {"a": 1}}},
        ):
            with self.assertRaises(MalformedAnswer, msg=repr(bad)):
                parse_answer(bad)


class AuthorizerPatchTest(unittest.TestCase):
    def test_changed_fields_become_patch_operations(self):
        before = {"Name": "a", "IdentitySource": "method.request.header.Authorization", "AuthorizerResultTtlInSeconds": 300}
        after = {"Name": "b", "IdentitySource": "method.request.header.Authorization", "ProviderARNs": ["arn:1"]}
        self.assertEqual(
            patch_operations(before, after),
            [
                {"op": "replace", "path": "/name", "value": "b"},
                {"op": "remove", "path": "/authorizerResultTtlInSeconds"},
                {"op": "add", "path": "/providerARNs", "value": "arn:1"},
            ],
        )
        self.assertEqual(patch_operations(after, after), [])


class SentEmailTest(unittest.TestCase):
    def test_a_simple_v2_mail_is_recorded_as_get_aws_ses_lists_v1_mails(self):
        record = sent_email(
            "m-1",
            "us-east-1",
            {
                "FromEmailAddress": "no-reply@example.com",
                "Destination": {"ToAddresses": ["a@example.com"]},
                "Content": {"Simple": {"Subject": {"Data": "Your code"}, "Body": {"Text": {"Data": "123456"}}}},
            },
        )
        self.assertEqual(record["Id"], "m-1")
        self.assertEqual(record["Source"], "no-reply@example.com")
        self.assertEqual(record["Destination"], {"ToAddresses": ["a@example.com"]})
        self.assertEqual(record["Subject"], "Your code")
        self.assertEqual(record["Body"], {"text_part": "123456", "html_part": None})


if __name__ == "__main__":
    unittest.main()
