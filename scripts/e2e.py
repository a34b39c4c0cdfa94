#!/usr/bin/env python3
"""End-to-end tests of the real app, deployed by `infra local up` and used as a user would.

    infra local up -c auction.waitSeconds=1 -c auction.maxAttempts=3 -c auction.rateMinutes=1 \
        -c oauth.providers=e2e/good,e2e/bad
    INFRA=target/debug/infra python3 scripts/e2e.py        # scripts/test.sh does both

Requests go through API Gateway to the authorizer and function binaries; the code comes
from `infra local messages`, the base URLs from `infra local status`. Stored data is read
back with boto3 (from .tools/venv) at the engine's endpoint. Each test cleans up what it
wrote, so the stacks can be destroyed afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

INFRA = os.environ.get("INFRA", "target/debug/infra")
RUN = uuid.uuid4().hex[:8]  # keeps this run's data apart from an earlier run's
# The context `infra local up` was given (scripts/local-e2e.sh exports it), for commands that synthesize.
CONTEXT = os.environ.get(
    "E2E_CONTEXT",
    "-c auction.waitSeconds=1 -c auction.maxAttempts=3 -c auction.rateMinutes=1 -c oauth.providers=e2e/good,e2e/bad",
).split()


def infra(*args: str) -> str:
    return subprocess.run([INFRA, *args], check=True, capture_output=True, text=True).stdout


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class App:
    """The deployed app: endpoint, API URLs, AWS clients, physical resource ids."""

    def __init__(self) -> None:
        status = json.loads(infra("local", "status", "--format", "json"))
        self.endpoint = status["endpoint"]
        self.apis = {api["stack"]: api["url"] for api in status["apis"]}
        self.session = boto3.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name=status["region"]
        )
        self._resources: dict[str, list[dict]] = {}

    def client(self, service: str):
        return self.session.client(service, endpoint_url=self.endpoint)

    def physical_id(self, stack: str, resource_type: str, construct: str | None = None) -> str:
        """The physical id of the only resource of a type in a stack (or the one whose logical id starts with `construct`)."""
        if stack not in self._resources:
            self._resources[stack] = self.client("cloudformation").describe_stack_resources(StackName=stack)[
                "StackResources"
            ]
        found = [
            r["PhysicalResourceId"]
            for r in self._resources[stack]
            if r["ResourceType"] == resource_type
            and (construct is None or r["LogicalResourceId"].startswith(construct))
        ]
        assert len(found) == 1, f"{stack}: {len(found)} {resource_type} resources named {construct}"
        return found[0]

    def subscribe_queue(self, topic_arn: str, name: str) -> str:
        """A new SQS queue subscribed to `topic_arn`; returns its URL."""
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }],
        }
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        self.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
        return url

    def receive(self, queue_url: str, wanted, count: int, timeout: float = 20) -> list[dict]:
        """The first `count` SNS notifications from the queue for which `wanted(message)` holds
        (the message decoded from JSON), waiting up to `timeout` s. Others are dropped: the
        schedules run the app in the background too."""
        sqs, got, deadline = self.client("sqs"), [], time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
                envelope = json.loads(m["Body"])
                envelope["Message"] = json.loads(envelope["Message"])
                if wanted(envelope["Message"]):
                    got.append(envelope)
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        return got


APP: App


def setUpModule() -> None:
    global APP
    APP = App()


def http(method: str, url: str, body=None, headers: dict | None = None) -> tuple[int, object]:
    """A request as a client would make it; returns the status and the JSON body (or text)."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.decode(errors="replace")


def mails_to(email: str) -> list[dict]:
    """The messages `infra local messages` lists for `email`, oldest first."""
    return [m for m in json.loads(infra("local", "messages", "--format", "json")) if m["to"] == email]


class TwoFactorThenOrders(unittest.TestCase):
    """POST /otp → the mailed code → POST /otp/verify → JWT → POST /orders, as two principals;
    a second request leaves the first code valid; `+tag` spellings share the mailbox's send limit."""

    @classmethod
    def setUpClass(cls):
        cls.orders = APP.apis["Dev/Orders"] + "orders"
        cls.table = APP.physical_id("Dev-Orders", "AWS::DynamoDB::Table", "Table")
        cls.rate_table = APP.physical_id("Dev-Orders", "AWS::DynamoDB::Table", "RateTable")
        cls.dynamodb = APP.client("dynamodb")
        cls.written: list[tuple[str, str]] = []  # (owner, record_id) to delete

    @classmethod
    def tearDownClass(cls):
        for owner, record_id in cls.written:
            cls.dynamodb.delete_item(TableName=cls.table, Key=cls.key(owner, record_id))
        owners = {owner for owner, _ in cls.written}
        for item in cls.dynamodb.scan(TableName=cls.rate_table)["Items"]:
            if item["owner"]["S"] in owners:
                cls.dynamodb.delete_item(
                    TableName=cls.rate_table, Key={"owner": item["owner"], "window": item["window"]}
                )

    @staticmethod
    def key(owner: str, record_id: str) -> dict:
        return {"owner": {"S": owner}, "record_id": {"S": record_id}}

    def item(self, owner: str, record_id: str) -> dict | None:
        return self.dynamodb.get_item(TableName=self.table, Key=self.key(owner, record_id)).get("Item")

    def post(self, token: str, body) -> tuple[int, object]:
        return http("POST", self.orders, body, {"Authorization": f"Bearer {token}"})

    def test_a_mailed_code_yields_a_token_that_the_orders_api_accepts(self):
        email = f"e2e-{RUN}@example.com"
        token = self.token_by_mail(email)
        self.orders_accept(token, owner=email)

        # A second principal (a token of `infra token`, with the iss and aud the authorizer
        # requires) posting the same record_id gets its own order; re-posting it is a 409
        # that names its own id only.
        other = f"e2e-{RUN}-other@example.com"
        other_token = self.infra_token("--sub", other).stdout.strip()
        same = [{"record_id": f"e2e-{RUN}-1", "parameter_1": "other's", "parameter_2": 3}]
        status, answer = self.post(other_token, same)
        self.assertEqual(status, 201, answer)
        self.written.append((other, same[0]["record_id"]))
        self.assertEqual(self.item(other, same[0]["record_id"])["parameter_1"], {"S": "other's"})
        self.assertEqual(self.item(email, same[0]["record_id"])["parameter_1"], {"S": "a"}, "the first order is untouched")
        mixed = [{"record_id": f"e2e-{RUN}-2", "parameter_1": "x", "parameter_2": 1}, *same]
        status, answer = self.post(other_token, mixed)
        self.assertEqual(status, 409, answer)
        self.assertEqual([d["index"] for d in answer["details"]], [1], f"only its own id: {answer}")
        self.assertIsNone(self.item(other, f"e2e-{RUN}-2"), "a 409 writes nothing")

    def test_tokens_that_live_too_long_or_name_another_api_are_refused(self):
        secret = APP.client("secretsmanager").get_secret_value(SecretId="orders/dev/jwt-signing-key")["SecretString"]
        now = int(time.time())
        principal = f"e2e-{RUN}-forged@example.com"

        def signed(**claims) -> str:
            body = {"sub": principal, "iat": now, "iss": "urn:orders:dev:auth", "aud": "urn:orders:dev:api", **claims}
            signing_input = b64url(b'{"alg":"HS256","typ":"JWT"}') + "." + b64url(json.dumps(body).encode())
            mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
            return signing_input + "." + b64url(mac)

        record = [{"record_id": f"e2e-{RUN}-forged", "parameter_1": "x", "parameter_2": 1}]
        for what, token in [
            ("exp two hours ahead", signed(exp=now + 7200)),
            ("exp a day ahead", signed(exp=now + 86400)),
            ("another issuer", signed(exp=now + 600, iss="urn:orders:prod:auth")),
            ("another audience", signed(exp=now + 600, aud="urn:orders:prod:api")),
        ]:
            status, answer = self.post(token, record)
            self.assertEqual(status, 401, f"{what}: {answer}")
        self.assertIsNone(self.item(principal, record[0]["record_id"]))
        # The same signing with a lifetime within the maximum is accepted.
        status, answer = self.post(signed(exp=now + 600), record)
        self.assertEqual(status, 201, answer)
        self.written.append((principal, record[0]["record_id"]))

        # `infra token` refuses to issue what the authorizer would refuse.
        refused = self.infra_token("--ttl", "2h", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("longer than 3600 s", refused.stderr)

    def test_a_repeated_authorization_header_is_refused(self):
        token = self.infra_token("--sub", f"e2e-{RUN}-twice@example.com").stdout.strip()
        url = urllib.parse.urlsplit(self.orders)
        connection = HTTPConnection(url.hostname, url.port, timeout=30)
        body = json.dumps([{"record_id": f"e2e-{RUN}-twice", "parameter_1": "x", "parameter_2": 1}])
        connection.putrequest("POST", url.path)
        for header, value in [
            ("Authorization", f"Bearer {token}"),
            ("Authorization", f"Bearer {token}"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ]:
            connection.putheader(header, value)
        connection.endheaders(body.encode())
        response = connection.getresponse()
        self.assertEqual(response.status, 401, response.read())
        connection.close()

    def infra_token(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """`infra token` against the engine (the key from the secret the Orders stack made)."""
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
        return subprocess.run(
            [INFRA, "token", *args, "--endpoint-url", APP.endpoint, "--region", APP.session.region_name],
            capture_output=True, text=True, env=env, check=check,
        )

    def token_by_mail(self, email: str) -> str:
        otp = APP.apis["Dev/TwoFactor"]
        status, body = http("POST", otp + "otp", {"email": email})
        self.assertEqual(status, 202, body)
        code = self.mailed_code(email)

        wrong = "000000" if code != "000000" else "111111"
        status, body = http("POST", otp + "otp/verify", {"email": email, "code": wrong})
        self.assertEqual(status, 401, f"a wrong code: {body}")
        status, body = http("POST", otp + "otp/verify", {"email": email, "code": code})
        self.assertEqual(status, 200, body)
        token = body["token"]
        status, body = http("POST", otp + "otp/verify", {"email": email, "code": code})
        self.assertEqual(status, 401, f"a second use: {body}")
        return token

    def test_a_second_request_leaves_the_first_code_valid(self):
        otp = APP.apis["Dev/TwoFactor"]
        email = f"e2e-{RUN}-again@example.com"
        took = []
        for spelling in (email, email.upper()):
            started = time.monotonic()
            status, body = http("POST", otp + "otp", {"email": spelling})
            took.append(time.monotonic() - started)
            self.assertEqual(status, 202, body)
        code = self.mailed_code(email)
        self.assertEqual(len(mails_to(email)), 1, "the second request sent nothing")
        # Sent or not, a valid request is answered after the same floor (OTP_MIN_RESPONSE_MS).
        for seconds in took:
            self.assertGreaterEqual(seconds, 1.0, took)
        status, body = http("POST", otp + "otp/verify", {"email": email, "code": code})
        self.assertEqual(status, 200, f"the first code after a second request: {body}")

    def test_tagged_spellings_of_a_mailbox_share_its_send_limit(self):
        otp = APP.apis["Dev/TwoFactor"]
        tagged = [f"e2e-{RUN}-tags+{n}@example.com" for n in range(1, 5)]
        for email in tagged:
            status, body = http("POST", otp + "otp", {"email": email})
            self.assertEqual(status, 202, body)
        for email in tagged[:3]:
            self.mailed_code(email)
        # The function sends before it answers: the fourth would be listed by now.
        self.assertEqual(mails_to(tagged[3]), [], "the mailbox's fourth code in 15 minutes")

    def mailed_code(self, email: str) -> str:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            mails = mails_to(email)
            if mails:
                self.assertEqual(mails[-1]["kind"], "email")
                return re.search(r"\b(\d{6})\b", mails[-1]["body"]).group(1)
            time.sleep(0.5)
        self.fail(f"no mail to {email} in 'infra local messages'")

    def orders_accept(self, token: str, owner: str) -> None:
        ids = [f"e2e-{RUN}-1", f"e2e-{RUN}-2"]
        records = [
            {"record_id": ids[0], "parameter_1": "a", "parameter_2": 2.1},
            {"record_id": ids[1], "parameter_1": "b", "parameter_2": 7},
        ]
        tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        refused = [
            ("no token", records, {}, 401),
            ("a tampered token", records, {"Authorization": f"Bearer {tampered}"}, 401),
            ("a malformed body", [{"record_id": ids[0], "parameter_1": "a"}], {"Authorization": f"Bearer {token}"}, 400),
            ("a body that is not JSON", b"[{", {"Authorization": f"Bearer {token}"}, 400),
        ]
        for what, body, headers, expected in refused:
            status, answer = http("POST", self.orders, body, headers)
            self.assertEqual(status, expected, f"{what}: {answer}")
        for record_id in ids:
            self.assertIsNone(self.item(owner, record_id), f"a refused request wrote {record_id}")

        before = time.time()
        status, answer = self.post(token, records)
        self.assertEqual(status, 201, answer)
        self.written.extend((owner, record_id) for record_id in ids)
        self.assertEqual(answer["count"], 2)
        item = self.item(owner, ids[0])
        self.assertEqual(item["owner"], {"S": owner}, "the order belongs to the token's sub")
        self.assertEqual(item["parameter_2"], {"N": "2.1"}, "2.1 is stored exactly")
        self.assertEqual(item["parameter_1"], {"S": "a"})
        expires_at = int(item["expires_at"]["N"])
        self.assertAlmostEqual(expires_at, before + 24 * 3600, delta=120, msg="TTL is now + 24 h")
        ttl = self.dynamodb.describe_time_to_live(TableName=self.table)["TimeToLiveDescription"]
        self.assertEqual((ttl["TimeToLiveStatus"], ttl["AttributeName"]), ("ENABLED", "expires_at"))
        counted = self.dynamodb.scan(TableName=self.rate_table)["Items"]
        self.assertIn(owner, [c["owner"]["S"] for c in counted], "the records were counted for the principal")

        status, answer = self.post(token, records[:1])
        self.assertEqual(status, 409, f"a second post of the same record: {answer}")


class Auction(unittest.TestCase):
    """The state machine with the real results generator and order processor."""

    @classmethod
    def setUpClass(cls):
        cls.sfn = APP.client("stepfunctions")
        cls.machine = APP.physical_id("Dev-Auction", "AWS::StepFunctions::StateMachine")
        cls.bucket = APP.physical_id("Dev-Auction", "AWS::S3::Bucket")
        topic = APP.physical_id("Dev-Auction", "AWS::SNS::Topic")
        cls.queue = APP.subscribe_queue(topic, f"e2e-auction-{RUN}")

    @classmethod
    def tearDownClass(cls):
        s3 = APP.client("s3")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=cls.bucket):
            for o in page.get("Contents", []):
                s3.delete_object(Bucket=cls.bucket, Key=o["Key"])
        APP.client("sqs").delete_queue(QueueUrl=cls.queue)

    def run_execution(self, name: str, payload: dict, timeout: float = 60) -> dict:
        arn = self.sfn.start_execution(stateMachineArn=self.machine, name=name, input=json.dumps(payload))["executionArn"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            execution = self.sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                return execution
            time.sleep(0.5)
        self.fail(f"execution {name} still running after {timeout} s")

    def test_accepted_orders_are_saved_and_rejected_ones_notified(self):
        # Seed 1: results on the first call, accepted and rejected orders (see results-generator).
        execution = self.run_execution(f"e2e-ready-{RUN}", {"seed": 1})
        self.assertEqual(execution["status"], "SUCCEEDED", execution.get("cause"))
        output = json.loads(execution["output"])
        orders = output["generator"]["Payload"]["orders"]
        accepted = [o["order_id"] for o in orders if o["order"] == "accepted"]
        rejected = [o["order_id"] for o in orders if o["order"] == "rejected"]
        self.assertTrue(accepted and rejected, f"seed 1 should give both kinds: {orders}")

        s3 = APP.client("s3")
        for order_id in accepted:
            head = s3.head_object(Bucket=self.bucket, Key=f"orders/{order_id}.json")
            self.assertEqual(head["ServerSideEncryption"], "aws:kms", order_id)
        for order_id in rejected:
            with self.assertRaises(s3.exceptions.ClientError, msg=f"a rejected order was saved: {order_id}"):
                s3.head_object(Bucket=self.bucket, Key=f"orders/{order_id}.json")

        mine = lambda message: message.get("order", {}).get("order_id") in rejected  # noqa: E731
        notified = APP.receive(self.queue, mine, len(rejected))
        notified_ids = sorted(n["Message"]["order"]["order_id"] for n in notified)
        self.assertEqual(notified_ids, sorted(rejected))
        self.assertTrue(all(n["Subject"] == "Auction order failed" for n in notified))
        self.assertEqual({n["Message"]["error"]["Error"] for n in notified}, {"OrderRejected"})

    def test_results_that_never_come_end_in_results_not_ready(self):
        # Seed 2: the generator answers results=false every time.
        started = time.monotonic()
        execution = self.run_execution(f"e2e-never-{RUN}", {"seed": 2})
        self.assertEqual((execution["status"], execution.get("error")), ("FAILED", "ResultsNotReady"))
        self.assertLess(time.monotonic() - started, 30, "bounded by auction.maxAttempts × waitSeconds")

    def test_the_schedule_starts_executions_by_itself(self):
        # Every minute with -c auction.rateMinutes=1 (the engine checks its schedules once a minute).
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            executions = self.sfn.list_executions(stateMachineArn=self.machine)["executions"]
            scheduled = [e for e in executions if not e["name"].startswith("e2e-")]
            if scheduled:
                return
            time.sleep(2)
        self.fail("the schedule rule started no execution")


class OAuthEndpoint:
    """A client-credentials token endpoint on 127.0.0.1: the `accepted` (client id, secret) pairs
    get tokens (at first `good`'s), others a 401."""

    def __init__(self) -> None:
        self.requests: list[str] = []  # client ids, in order
        self.credentials: list[tuple[str, str]] = []  # (client id, secret), in order
        self.accepted = {("good", "s3cret-good")}
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                user, _, secret = base64.b64decode(self.headers["Authorization"].split()[1]).decode().partition(":")
                endpoint.requests.append(user)
                endpoint.credentials.append((user, secret))
                ok = (user, secret) in endpoint.accepted and form.get("grant_type") == ["client_credentials"]
                body = (
                    {"access_token": f"token-{RUN}", "token_type": "Bearer", "expires_in": 3600}
                    if ok
                    else {"error": "invalid_client"}
                )
                data = json.dumps(body).encode()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oauth/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Tokens(unittest.TestCase):
    """The collector (providers e2e/good and e2e/bad, from `-c oauth.providers`) against a local endpoint."""

    @classmethod
    def setUpClass(cls):
        cls.oauth = OAuthEndpoint()
        secrets = APP.client("secretsmanager")
        for org in ("good", "bad"):
            value = cls.credentials(org, f"s3cret-{org}")
            try:
                secrets.create_secret(Name=f"orders/e2e/{org}", SecretString=value)
            except secrets.exceptions.ResourceExistsException:
                secrets.put_secret_value(SecretId=f"orders/e2e/{org}", SecretString=value)
        cls.function = APP.physical_id("Dev-Tokens", "AWS::Lambda::Function")
        cls.bucket = APP.physical_id("Dev-Tokens", "AWS::S3::Bucket")
        cls.queue = APP.subscribe_queue(APP.physical_id("Dev-Tokens", "AWS::SNS::Topic"), f"e2e-tokens-{RUN}")

    @classmethod
    def tearDownClass(cls):
        cls.oauth.stop()
        s3 = APP.client("s3")
        for org in ("good", "bad"):
            s3.delete_object(Bucket=cls.bucket, Key=f"tokens/e2e/{org}.json")
            APP.client("secretsmanager").delete_secret(SecretId=f"orders/e2e/{org}", ForceDeleteWithoutRecovery=True)
        APP.client("sqs").delete_queue(QueueUrl=cls.queue)

    @classmethod
    def credentials(cls, org: str, secret: str) -> str:
        return json.dumps({"client_id": org, "client_secret": secret, "token_url": cls.oauth.url})

    def invoke(self, event: bytes) -> tuple[str | None, dict]:
        result = APP.client("lambda").invoke(FunctionName=self.function, Payload=event)
        return result.get("FunctionError"), json.loads(result["Payload"].read())

    def collect(self) -> None:
        """One scheduled run: it fails, naming only the provider whose endpoint refuses."""
        with open("functions/oauth-collector/fixtures/scheduled.json", "rb") as f:
            failed, error = self.invoke(f.read())
        self.assertEqual(failed, "Unhandled", error)
        self.assertEqual(error["errorType"], "TokenCollectionFailed")
        self.assertIn("e2e/bad", error["errorMessage"])
        self.assertNotIn("e2e/good", error["errorMessage"])

    def test_tokens_are_stored_encrypted_refreshed_only_when_due_and_failures_notified(self):
        self.collect()
        s3 = APP.client("s3")
        stored = s3.get_object(Bucket=self.bucket, Key="tokens/e2e/good.json")
        self.assertEqual(stored["ServerSideEncryption"], "aws:kms")
        token = json.loads(stored["Body"].read())
        self.assertEqual(token["access_token"], f"token-{RUN}")
        self.assertAlmostEqual(token["expires_at"], time.time() + 3600, delta=120)

        e2e = lambda message: message.get("provider") == "e2e"  # noqa: E731
        notes = [n["Message"] for n in APP.receive(self.queue, e2e, 2)]
        by_org = {n["org"]: n for n in notes}
        self.assertEqual(by_org["good"]["outcome"], "refreshed")
        self.assertEqual(by_org["bad"]["outcome"], "failed")
        self.assertNotIn(f"token-{RUN}", json.dumps(notes), "a notification never holds the token")

        self.collect()
        self.assertEqual(self.oauth.requests.count("good"), 1, "a valid token is not refreshed")

        # e2e/bad gets a working secret (the endpoint takes only the new one). The warm
        # collector still caches the old one: the 401 makes it read the secret again and retry,
        # so the very next run succeeds.
        secrets = APP.client("secretsmanager")
        self.oauth.accepted.add(("bad", "s3cret-bad-rotated"))
        secrets.put_secret_value(SecretId="orders/e2e/bad", SecretString=self.credentials("bad", "s3cret-bad-rotated"))
        with open("functions/oauth-collector/fixtures/scheduled.json", "rb") as f:
            failed, report = self.invoke(f.read())
        self.assertIsNone(failed, report)
        by_org = {p["org"]: p for p in report["providers"]}
        self.assertEqual(by_org["bad"]["outcome"], "refreshed")
        self.assertEqual(self.oauth.credentials[-1], ("bad", "s3cret-bad-rotated"))

        # A forced refresh after a rotation uses the new secret at once, not the cached one.
        self.oauth.accepted.add(("good", "s3cret-good-2"))
        secrets.put_secret_value(SecretId="orders/e2e/good", SecretString=self.credentials("good", "s3cret-good-2"))
        failed, report = self.invoke(json.dumps({"providers": ["e2e/good"], "force_refresh": True}).encode())
        self.assertIsNone(failed, report)
        self.assertEqual(report["providers"][0]["attempts"], 1, report)
        self.assertEqual(self.oauth.credentials[-1], ("good", "s3cret-good-2"))


class FailedDeploy(unittest.TestCase):
    """A deployment that fails names the resource and the reason; a retry shows only its own events."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="e2e-broken-")
        self.stack = f"E2eBroken{RUN}"
        template = {
            "Resources": {
                "Queue": {"Type": "AWS::SQS::Queue", "Metadata": {"aws:cdk:path": f"{self.stack}/Queue/Resource"}},
                "Function": {
                    "Type": "AWS::Lambda::Function",
                    "DependsOn": "Queue",
                    "Metadata": {"aws:cdk:path": f"{self.stack}/Function/Resource"},
                    "Properties": {
                        "Runtime": "provided.al2023",
                        "Handler": "bootstrap",
                        "Role": "arn:aws:iam::000000000000:role/e2e",
                        "Code": {"S3Bucket": "cdk-hnb659fds-assets-000000000000-us-east-1", "S3Key": "missing.zip"},
                    },
                },
            }
        }
        manifest = {
            "version": "48.0.0",
            "artifacts": {
                self.stack: {
                    "type": "aws:cloudformation:stack",
                    "environment": "aws://unknown-account/unknown-region",
                    "displayName": self.stack,
                    "properties": {"templateFile": f"{self.stack}.template.json"},
                }
            },
        }
        with open(os.path.join(self.dir, f"{self.stack}.template.json"), "w") as f:
            json.dump(template, f)
        with open(os.path.join(self.dir, "manifest.json"), "w") as f:
            json.dump(manifest, f)

    def tearDown(self):
        self.infra("destroy", "--app", self.dir, "--all", "--force")

    def infra(self, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
        return subprocess.run(
            [INFRA, *args, "--endpoint-url", APP.endpoint, "--region", APP.session.region_name],
            capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
        )

    def test_the_failed_resource_is_named_and_a_retry_starts_clean(self):
        deploy = ("deploy", "--app", self.dir, "--all", "--require-approval", "never")
        first = self.infra(*deploy)
        self.assertEqual(first.returncode, 1, first.stderr)
        self.assertRegex(
            first.stderr,
            rf"deployment of {self.stack} failed: Function \({self.stack}/Function/Resource\) AWS::Lambda::Function CREATE_FAILED: .+",
        )
        second = self.infra(*deploy)
        self.assertEqual(second.returncode, 1, second.stderr)
        deleting = second.stderr.split("deleting it before creating it", 1)
        self.assertEqual(len(deleting), 2, second.stderr)
        deletion = deleting[1].split("Change set for", 1)[0]
        self.assertNotIn("CREATE_", deletion, "the retry re-printed the failed attempt's events")


class OrdersApiCode(unittest.TestCase):
    """Changes to one line of the orders API's code, and the answer that shows which code runs."""

    SOURCE = "functions/orders-api/src/handler.rs"
    MESSAGE = "a JSON array of orders is required"

    @classmethod
    def setUpClass(cls):
        cls.orders = APP.apis["Dev/Orders"] + "orders"
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
        cls.token = subprocess.run(
            [INFRA, "token", "--endpoint-url", APP.endpoint, "--region", APP.session.region_name],
            capture_output=True, text=True, env=env, check=True,
        ).stdout.strip()

    def answer(self) -> tuple[int, str]:
        """The API's answer to an empty order list: a 400 whose message comes from SOURCE."""
        status, answer = http("POST", self.orders, b"", {"Authorization": f"Bearer {self.token}"})
        return status, json.dumps(answer)


class Hotswap(OrdersApiCode):
    """`infra deploy --hotswap --local`: a code change runs within seconds, without a change set;
    another change falls back to a change set and says which property is not hotswappable."""

    def hotswap(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [INFRA, "deploy", "--hotswap", "--local", "Dev/Orders", *CONTEXT, *args],
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
        )

    def message(self) -> str:
        status, answer = self.answer()
        self.assertEqual(status, 400, answer)
        return answer

    def test_a_code_change_is_hotswapped_and_answers(self):
        self.assertIn(self.MESSAGE, self.message())
        with open(self.SOURCE) as f:
            original = f.read()
        changed = f"{self.MESSAGE} (hotswapped {RUN})"
        self.assertIn(f'"{self.MESSAGE}"', original)
        try:
            with open(self.SOURCE, "w") as f:
                f.write(original.replace(f'"{self.MESSAGE}"', f'"{changed}"'))
            swapped = self.hotswap()
            self.assertEqual(swapped.returncode, 0, swapped.stderr)
            self.assertRegex(swapped.stderr, r"Dev/Orders \(Dev-Orders\): OrdersApiFunction\w+ \(.+\): code updated in [0-9.]+ s \(hotswap\)")
            self.assertIn("drift from its template", swapped.stderr)
            self.assertNotIn("change set", swapped.stderr)
            self.assertIn(changed, self.message(), "the new code answers")
        finally:
            with open(self.SOURCE, "w") as f:
                f.write(original)
            restored = self.hotswap()
        self.assertEqual(restored.returncode, 0, restored.stderr)
        self.assertNotIn(changed, self.message(), "the restored code answers again")

    def test_an_environment_change_falls_back_to_a_change_set_and_says_why(self):
        scratch = tempfile.mkdtemp(prefix="e2e-hotswap-")
        assembly = os.path.join(os.environ.get("INFRA_LOCAL_DIR", ".infra-local"), "cdk.out")
        for name in os.listdir(assembly):
            if name.endswith(".json"):
                with open(os.path.join(assembly, name)) as src, open(os.path.join(scratch, name), "w") as dst:
                    dst.write(src.read())
        path = os.path.join(scratch, "Dev-Orders.template.json")
        with open(path) as f:
            template = json.load(f)
        function = next(k for k in template["Resources"] if k.startswith("OrdersApiFunction")
                        and template["Resources"][k]["Type"] == "AWS::Lambda::Function")
        template["Resources"][function]["Properties"]["Environment"]["Variables"]["E2E_HOTSWAP"] = RUN
        with open(path, "w") as f:
            json.dump(template, f)
        fallback = self.hotswap("--app", scratch, "--no-execute")
        self.assertEqual(fallback.returncode, 0, fallback.stderr)
        self.assertIn(
            f"Dev/Orders (Dev-Orders): {function}.Properties.Environment changed: not hotswappable; deploying with a change set",
            fallback.stderr,
        )
        self.assertIn("created and not executed", fallback.stderr)


class Watch(OrdersApiCode):
    """`infra watch --local`: a saved one-line change in a function's sources is rebuilt,
    hotswapped and answering without any other command; Ctrl-C stops the watcher."""

    def test_a_saved_change_answers_without_a_command(self):
        source, message = self.SOURCE, self.MESSAGE
        with open(source) as f:
            original = f.read()
        changed = f"{message} (watched {RUN})"
        lines: list[str] = []
        watch = subprocess.Popen(
            [INFRA, "watch", "--local", "Dev/Orders", *CONTEXT],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
        )
        reader = threading.Thread(target=lambda: lines.extend(watch.stdout), daemon=True)
        reader.start()
        try:
            self.wait_for(lambda: any("save one to rebuild and hotswap" in l for l in lines), 300, lines)
            with open(source, "w") as f:
                f.write(original.replace(f'"{message}"', f'"{changed}"'))
            saved = time.monotonic()
            # Polled, status unchecked: an answer mid-swap may be a 5xx.
            self.wait_for(lambda: changed in self.answer()[1], 300, lines)
            print(f"\n    watch: saved to answering in {time.monotonic() - saved:.1f} s", flush=True)
            # The cycle's line comes after the swap, which can answer first.
            self.wait_for(lambda: any("hotswapped OrdersApiFunction" in l for l in lines), 60, lines)
            with open(source, "w") as f:
                f.write(original)
            self.wait_for(lambda: changed not in self.answer()[1], 300, lines)
            watch.send_signal(signal.SIGINT)
            self.assertEqual(watch.wait(timeout=60), 0, "".join(lines))
            reader.join(timeout=10)
            self.assertIn("watch: stopped", "".join(lines))
        finally:
            with open(source, "w") as f:
                f.write(original)
            if watch.poll() is None:
                watch.kill()
                watch.wait()
            reader.join(timeout=10)
            watch.stdout.close()

    def wait_for(self, condition, seconds: float, lines: list[str]) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                self.fail(f"not within {seconds} s; watch printed:\n{''.join(lines)}")
            time.sleep(0.5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
