#!/usr/bin/env bash
# Invokes each built function once through cargo-lambda's runtime emulator, so the real
# binaries (main, tracing setup, SDK clients, serialization) are exercised, not only the
# handlers. AWS calls go to moto.
#
# Needs: cargo-lambda on PATH, python3, and MOTO_ENDPOINT (e.g. http://127.0.0.1:5123) of a
# running moto server. INVOKE_PORT (default 9123) is where `cargo lambda watch` listens;
# INVOKE_TIMEOUT (default 300 s) bounds each invocation.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

: "${MOTO_ENDPOINT:?MOTO_ENDPOINT must point at a running moto server}"
PORT="${INVOKE_PORT:-9123}"
FUNCTIONS=(authorizer orders-api results-generator order-processor oauth-collector otp-create otp-verify)
SUFFIX="invoke-$$-$(date +%s)"
TABLE="orders-$SUFFIX"
BUCKET="results-$SUFFIX"
SECRET="orders/invoke/jwt-$SUFFIX"
SIGNING_KEY="invoke-signing-key-0123456789abcdef0123"

# Everything the run writes stays outside the crate folders: `cargo lambda watch` rebuilds
# whenever something changes inside a watched crate.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/invoke-functions.XXXXXX")"
WATCH_PID=""
OAUTH_PID=""
cleanup() {
  if [[ -n "$OAUTH_PID" ]]; then kill "$OAUTH_PID" 2>/dev/null || true; fi
  if [[ -n "$WATCH_PID" ]] && kill -0 "$WATCH_PID" 2>/dev/null; then
    kill "$WATCH_PID" 2>/dev/null || true
    wait "$WATCH_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "invoke-functions: $*" >&2
  if [[ -f "$WORK/watch.log" ]]; then
    echo "--- cargo lambda watch log (last 40 lines) ---" >&2
    tail -n 40 "$WORK/watch.log" >&2
  fi
  exit 1
}

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1

# --- a local OAuth token endpoint for the collector ---------------------------------------
python3 - "$WORK/oauth-port" >"$WORK/oauth.log" 2>&1 <<'PY' &
import http.server, json, sys

class Token(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.dumps({"access_token": "invoke-token", "token_type": "Bearer",
                           "expires_in": 3600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

server = http.server.HTTPServer(("127.0.0.1", 0), Token)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
PY
OAUTH_PID=$!
for _ in $(seq 1 50); do [[ -s "$WORK/oauth-port" ]] && break; sleep 0.1; done
[[ -s "$WORK/oauth-port" ]] || fail "the local OAuth endpoint did not start"

# --- resources in moto -------------------------------------------------------------------
# Orders: table, results bucket, signing key. Collector: KMS key, topic, credentials (app
# segment OAUTH_APP). Two-factor: codes table, verified SES sender, hash key.
OAUTH_APP="invoke${SUFFIX//[^A-Za-z0-9]/}"
OTP_TABLE="otp-$SUFFIX"
OTP_SENDER="no-reply@invoke.example.com"
read -r SECRET_ARN TOKENS_KMS_KEY_ARN NOTIFY_TOPIC_ARN OTP_HASH_KEY_SECRET_ARN < <(
  python3 - "$MOTO_ENDPOINT" "$SUFFIX" "$TABLE" "$BUCKET" "$SECRET" "$SIGNING_KEY" "$OAUTH_APP" \
    "http://127.0.0.1:$(cat "$WORK/oauth-port")/oauth/token" "$OTP_TABLE" "$OTP_SENDER" <<'PY'
import json, re, sys, urllib.parse, urllib.request

(endpoint, suffix, table, bucket, secret, signing_key, oauth_app, token_url, otp_table,
 otp_sender) = sys.argv[1:]
AUTH = ("AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/{}/aws4_request, "
        "SignedHeaders=host, Signature=0")

def call(target, service, body, content_type="application/x-amz-json-1.1"):
    """A JSON-protocol call (DynamoDB, Secrets Manager, KMS)."""
    req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "X-Amz-Target": target, "Content-Type": content_type, "Authorization": AUTH.format(service)})
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)

def query(service, params):
    """A query-protocol call (SNS, SES); returns the XML answer."""
    req = urllib.request.Request(endpoint, method="POST", data=urllib.parse.urlencode(params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Authorization": AUTH.format(service)})
    with urllib.request.urlopen(req) as resp:
        return resp.read().decode()

def table_with_key(name, key):
    call("DynamoDB_20120810.CreateTable", "dynamodb", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}]}, "application/x-amz-json-1.0")

def secret_arn(name, value):
    return call("secretsmanager.CreateSecret", "secretsmanager",
                {"Name": name, "SecretString": value})["ARN"]

table_with_key(table, "record_id")
call("DynamoDB_20120810.UpdateTimeToLive", "dynamodb", {"TableName": table,
     "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True}},
     "application/x-amz-json-1.0")
req = urllib.request.Request(f"{endpoint}/{bucket}", method="PUT",
                             headers={"Authorization": AUTH.format("s3")})
urllib.request.urlopen(req).close()
orders_secret = secret_arn(secret, json.dumps({"signing_key": signing_key}))

kms_key = call("TrentService.CreateKey", "kms", {"Description": "invoke tokens"})["KeyMetadata"]["Arn"]
topic = re.search(r"<TopicArn>(.*?)</TopicArn>", query("sns", {
    "Action": "CreateTopic", "Name": f"tokens-{suffix}", "Version": "2010-03-31"})).group(1)
secret_arn(f"{oauth_app}/example/invoke", json.dumps(
    {"client_id": "invoke", "client_secret": "invoke-secret", "token_url": token_url}))

table_with_key(otp_table, "pk")
query("ses", {"Action": "VerifyEmailIdentity", "EmailAddress": otp_sender})
hash_key = secret_arn(f"orders/invoke/otp-hash-key-{suffix}",
                      "invoke-otp-hash-key-0123456789abcdef-0123")

print(orders_secret, kms_key, topic, hash_key)
PY
) && [[ -n "$OTP_HASH_KEY_SECRET_ARN" ]] || fail "could not create the moto resources"

# --- events ------------------------------------------------------------------------------
python3 - "$SIGNING_KEY" functions/authorizer/fixtures/authorizer-request.json "$WORK/authorizer.json" <<'PY'
import base64, hashlib, hmac, json, sys, time

key, template, out = sys.argv[1:]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
claims = b64(json.dumps({"sub": "invoke-user", "exp": int(time.time()) + 600}).encode())
signature = b64(hmac.new(key.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest())
event = json.load(open(template))
event["headers"]["Authorization"] = f"Bearer {header}.{claims}.{signature}"
event["multiValueHeaders"]["Authorization"] = [event["headers"]["Authorization"]]
json.dump(event, open(out, "w"))
PY

# --- emulator ----------------------------------------------------------------------------
# `cargo lambda watch` starts each function with `cargo run --bin NAME`, which resolves
# features for that binary alone. Build each the same way first, so that nothing compiles
# while an invocation waits (a build failing there would only show as a timeout).
for f in "${FUNCTIONS[@]}"; do
  cargo build --quiet --bin "$f" || fail "cargo build --bin $f failed"
done

env_vars="AWS_ENDPOINT_URL=$MOTO_ENDPOINT,ORDERS_TABLE_NAME=$TABLE,RESULTS_BUCKET_NAME=$BUCKET"
env_vars+=",S3_FORCE_PATH_STYLE=true,JWT_SECRET_ARN=$SECRET_ARN,JWT_SECRET_JSON_KEY=signing_key"
env_vars+=",OAUTH_APP=$OAUTH_APP,OAUTH_PROVIDERS=example/invoke,TOKENS_BUCKET_NAME=$BUCKET"
env_vars+=",TOKENS_KMS_KEY_ARN=$TOKENS_KMS_KEY_ARN,NOTIFY_TOPIC_ARN=$NOTIFY_TOPIC_ARN"
env_vars+=",OTP_TABLE_NAME=$OTP_TABLE,OTP_HASH_KEY_SECRET_ARN=$OTP_HASH_KEY_SECRET_ARN"
env_vars+=",OTP_SENDER=$OTP_SENDER"
cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$PORT" --ignore-changes \
  --env-vars "$env_vars" >"$WORK/watch.log" 2>&1 &
WATCH_PID=$!

for _ in $(seq 1 120); do
  if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$PORT" 2>/dev/null; then
    break
  fi
  kill -0 "$WATCH_PID" 2>/dev/null || fail "cargo lambda watch exited"
  sleep 1
done
python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$PORT" 2>/dev/null \
  || fail "cargo lambda watch did not listen on port $PORT within 120 s"

# invoke NAME EVENT_FILE: prints the response (or the error) and returns cargo-lambda's status.
# The first invocation of a function may compile it, hence the generous bound; a hung
# emulator or endpoint then fails the run with the emulator's log instead of stalling CI.
invoke() {
  timeout "${INVOKE_TIMEOUT:-300}" cargo lambda invoke "$1" --invoke-address 127.0.0.1 --invoke-port "$PORT" --data-file "$2" \
    --output-format json 2>&1
}

# check NAME OUTPUT PYTHON_EXPRESSION_ON_r: asserts on the parsed JSON response `r`.
check() {
  python3 - "$2" "$3" <<'PY' || fail "$1: unexpected response: $2"
import json, sys
out, expr = sys.argv[1:]
r = json.loads(out[out.index("{"):])
assert eval(expr), expr
PY
  echo "ok  $1"
}

out="$(invoke authorizer "$WORK/authorizer.json")" || fail "authorizer: $out"
check authorizer "$out" \
  'r["principalId"] == "invoke-user" and r["policyDocument"]["Statement"][0]["Effect"] == "Allow" and r["policyDocument"]["Statement"][0]["Resource"][0].endswith("/test/*/*")'

out="$(invoke orders-api functions/orders-api/fixtures/post-orders.json)" || fail "orders-api: $out"
check orders-api "$out" 'r["statusCode"] == 201 and json.loads(r["body"])["count"] == 2'

out="$(invoke results-generator functions/results-generator/fixtures/seeded.json)" || fail "results-generator: $out"
check results-generator "$out" 'isinstance(r["results"], bool) and (not r["results"] or all(o["order"] in ("accepted", "rejected") for o in r["orders"]))'

out="$(invoke order-processor functions/order-processor/fixtures/accepted.json)" || fail "order-processor: $out"
check order-processor "$out" 'r["status"] == "saved" and r["key"] == "orders/ord-invoke-accepted.json"'

# A rejected order must fail with the error type Step Functions catches.
if out="$(invoke order-processor functions/order-processor/fixtures/rejected.json)"; then
  fail "order-processor accepted a rejected order: $out"
fi
grep -q 'OrderRejected' <<<"$out" || fail "order-processor: rejected order did not fail with OrderRejected: $out"
echo "ok  order-processor (rejected -> OrderRejected)"

out="$(invoke oauth-collector functions/oauth-collector/fixtures/scheduled.json)" || fail "oauth-collector: $out"
check oauth-collector "$out" 'r["providers"][0]["outcome"] == "refreshed" and r["providers"][0]["attempts"] == 1'
out="$(invoke oauth-collector functions/oauth-collector/fixtures/scheduled.json)" || fail "oauth-collector: $out"
check "oauth-collector (second run skips the fresh token)" "$out" 'r["providers"][0]["outcome"] == "skipped"'

# Two-factor: the code reaches SES (moto keeps the message), verifying it yields a JWT that
# the authorizer binary accepts, and a second use is refused.
out="$(invoke otp-create functions/otp-create/fixtures/post-otp.json)" || fail "otp-create: $out"
check otp-create "$out" 'r["statusCode"] == 202'
python3 - "$MOTO_ENDPOINT" functions/otp-verify/fixtures/post-otp-verify.json \
  "$WORK/otp-verify.json" <<'PY' || fail "otp-create: no code reached SES"
import json, re, sys, urllib.request
endpoint, template, out = sys.argv[1:]
event = json.load(open(template))
address = json.loads(event["body"])["email"]
data = json.load(urllib.request.urlopen(f"{endpoint}/moto-api/data.json"))
bodies = [m["body"] for m in data["ses"]["Message"] if address in m["destinations"]["ToAddresses"]]
code = re.search(r"code is (\d{6})", bodies[-1]).group(1)
event["body"] = json.dumps({"email": address, "code": code})
json.dump(event, open(out, "w"))
PY
out="$(invoke otp-verify "$WORK/otp-verify.json")" || fail "otp-verify: $out"
check otp-verify "$out" 'r["statusCode"] == 200 and json.loads(r["body"])["token_type"] == "Bearer"'
python3 - "$out" "$WORK/authorizer.json" "$WORK/authorizer-otp.json" <<'PY'
import json, sys
out, template, dest = sys.argv[1:]
token = json.loads(json.loads(out[out.index("{"):])["body"])["token"]
event = json.load(open(template))
event["headers"]["Authorization"] = f"Bearer {token}"
event["multiValueHeaders"]["Authorization"] = [f"Bearer {token}"]
json.dump(event, open(dest, "w"))
PY
out="$(invoke authorizer "$WORK/authorizer-otp.json")" || fail "authorizer refused the otp-verify token: $out"
check "authorizer (accepts the otp-verify token)" "$out" 'r["principalId"] == "invoke@example.com"'
out="$(invoke otp-verify "$WORK/otp-verify.json")" || fail "otp-verify: $out"
check "otp-verify (a second use is refused)" "$out" 'r["statusCode"] == 401'

# The stored decimal is exact.
python3 - "$MOTO_ENDPOINT" "$TABLE" <<'PY' || fail "orders-api: item not stored as expected"
import json, sys, urllib.request
endpoint, table = sys.argv[1:]
req = urllib.request.Request(endpoint, method="POST", data=json.dumps({
    "TableName": table, "Key": {"record_id": {"S": "invoke-2"}}}).encode(), headers={
    "X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0",
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"})
item = json.load(urllib.request.urlopen(req))["Item"]
assert item["parameter_2"] == {"N": "2.1"}, item
assert "expires_at" in item, item
PY
echo "ok  orders-api stored parameter_2 = 2.1 exactly"
