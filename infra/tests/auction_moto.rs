//! The auction state machine executed by moto's Step Functions interpreter.
//!
//! The definition is the one the Auction stack synthesizes (with
//! `auction.maxAttempts=3`, `auction.waitSeconds=1`), its substitutions
//! replaced by the ARNs of functions and a topic created in moto. Lambda
//! answers come from moto's canned-result queue
//! (`POST /moto-api/static/lambda-simple/response {"results": [..]}`, one
//! entry per invocation, in invocation order).
//!
//! Canned answers make the polling loop exact (results false twice, then
//! true; never true) and its event counts checkable. A rejected order, which
//! needs a real function error, is tested with the real functions on the
//! local engine (`scripts/e2e.py`, `Auction`).
//!
//! Talks to moto with plain HTTP (a few lines over `TcpStream`) rather than
//! four AWS SDK crates: about a dozen calls to a local endpoint do not
//! justify minutes of compilation; moto does not check signatures.
//!
//! Run through `scripts/test.sh` (which starts moto and sets `MOTO_ENDPOINT`),
//! or: `MOTO_ENDPOINT=http://127.0.0.1:5066 cargo test -p infra --test auction_moto -- --ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use constructs::Format;
use serde_json::{json, Value as Json};

/// An empty zip archive: moto's simple Lambda backend never runs the code.
const EMPTY_ZIP_BASE64: &str = "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==";

struct Moto {
    host: String,
}

impl Moto {
    fn from_env() -> Moto {
        let endpoint = std::env::var("MOTO_ENDPOINT").expect(
            "MOTO_ENDPOINT is not set: run scripts/test.sh, or start moto_server and set it",
        );
        let host = endpoint
            .strip_prefix("http://")
            .unwrap_or(&endpoint)
            .trim_end_matches('/')
            .to_owned();
        Moto { host }
    }

    /// One HTTP/1.1 request; returns the status and the body.
    fn http(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.host)
            .unwrap_or_else(|e| panic!("cannot connect to moto at {}: {e}", self.host));
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {head}"));
        let chunked = head.lines().any(|l| {
            l.to_ascii_lowercase()
                .starts_with("transfer-encoding: chunked")
        });
        let body = if chunked {
            dechunk(body)
        } else {
            body.to_owned()
        };
        (status, body)
    }

    fn auth(service: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
        )
    }

    /// An `awsJson1_0` call (Step Functions, SQS).
    fn json(&self, service: &str, target: &str, body: Json) -> Json {
        let auth = Self::auth(service);
        let (status, text) = self.http(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.0"),
                ("X-Amz-Target", target),
                ("Authorization", &auth),
            ],
            body.to_string().as_bytes(),
        );
        assert!(status < 300, "{target} failed with HTTP {status}: {text}");
        if text.trim().is_empty() {
            Json::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{target}: {e}: {text}"))
        }
    }

    /// A query-protocol call (IAM, SNS); returns the XML response.
    fn query(&self, service: &str, params: &[(&str, &str)]) -> String {
        let body = params
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let auth = Self::auth(service);
        let (status, text) = self.http(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", &auth),
            ],
            body.as_bytes(),
        );
        assert!(
            status < 300,
            "{service} {params:?} failed with HTTP {status}: {text}"
        );
        text
    }

    /// A POST to moto's own API (`/moto-api/...`).
    fn moto_api(&self, path: &str, body: Json) {
        let (status, text) = self.http(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        );
        assert!(status < 300, "{path} failed with HTTP {status}: {text}");
    }

    fn queue_lambda_results(&self, results: &[String]) {
        self.moto_api(
            "/moto-api/static/lambda-simple/response",
            json!({ "results": results }),
        );
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text of the first `<tag>` element of an XML response.
fn xml_value(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = xml[start..].find(&format!("</{tag}>")).unwrap() + start;
    xml[start..end].to_owned()
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// The synthesized definition and its substitutions, with a fast polling loop.
fn synthesized_definition() -> (Json, BTreeMap<String, Json>) {
    let context: BTreeMap<String, String> = [
        ("auction.maxAttempts".to_string(), "3".to_string()),
        ("auction.waitSeconds".to_string(), "1".to_string()),
    ]
    .into();
    let app = infra::app::build(context, Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .expect("the app builds");
    let assembly = app.synth(Format::Json).unwrap_or_else(|e| panic!("{e}"));
    let template = &assembly.stack("Dev/Auction").unwrap().template;
    let machine = template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["Type"] == "AWS::StepFunctions::StateMachine")
        .expect("a state machine");
    let substitutions =
        serde_json::from_value(machine["Properties"]["DefinitionSubstitutions"].clone()).unwrap();
    (machine["Properties"]["Definition"].clone(), substitutions)
}

/// The state machine, its functions, topic, and an SQS queue subscribed to the topic, in moto.
struct Pipeline {
    moto: Moto,
    machine_arn: String,
    queue_url: String,
}

impl Pipeline {
    fn create() -> Pipeline {
        let moto = Moto::from_env();
        moto.moto_api(
            "/moto-api/config",
            json!({"stepfunctions": {"execute_state_machine": true}, "lambda": {"use_docker": false}}),
        );
        let role_arn = xml_value(
            &moto.query(
                "iam",
                &[
                    ("Action", "CreateRole"),
                    ("Version", "2010-05-08"),
                    ("RoleName", &unique("auction")),
                    (
                        "AssumeRolePolicyDocument",
                        r#"{"Version":"2012-10-17","Statement":[]}"#,
                    ),
                ],
            ),
            "Arn",
        );
        let function = |name: &str| -> String {
            let body = json!({
                "FunctionName": unique(name), "Runtime": "provided.al2023", "Role": role_arn,
                "Handler": "bootstrap", "Code": {"ZipFile": EMPTY_ZIP_BASE64}
            });
            let auth = Moto::auth("lambda");
            let (status, text) = moto.http(
                "POST",
                "/2015-03-31/functions",
                &[
                    ("Content-Type", "application/json"),
                    ("Authorization", &auth),
                ],
                body.to_string().as_bytes(),
            );
            assert!(status < 300, "CreateFunction: HTTP {status}: {text}");
            serde_json::from_str::<Json>(&text).unwrap()["FunctionArn"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let generator_arn = function("results-generator");
        let processor_arn = function("order-processor");
        let topic_arn = xml_value(
            &moto.query(
                "sns",
                &[
                    ("Action", "CreateTopic"),
                    ("Name", &unique("notifications")),
                ],
            ),
            "TopicArn",
        );
        let queue_url = moto.json(
            "sqs",
            "AmazonSQS.CreateQueue",
            json!({"QueueName": unique("notified")}),
        )["QueueUrl"]
            .as_str()
            .unwrap()
            .to_owned();
        let queue_arn = moto.json(
            "sqs",
            "AmazonSQS.GetQueueAttributes",
            json!({"QueueUrl": queue_url, "AttributeNames": ["QueueArn"]}),
        )["Attributes"]["QueueArn"]
            .as_str()
            .unwrap()
            .to_owned();
        moto.query(
            "sns",
            &[
                ("Action", "Subscribe"),
                ("TopicArn", &topic_arn),
                ("Protocol", "sqs"),
                ("Endpoint", &queue_arn),
                ("Attributes.entry.1.key", "RawMessageDelivery"),
                ("Attributes.entry.1.value", "true"),
            ],
        );

        let (definition, substitutions) = synthesized_definition();
        let arns: BTreeMap<&str, &str> = [
            ("GetResultsFunctionName", generator_arn.as_str()),
            ("ProcessOrderFunctionName", processor_arn.as_str()),
            ("NotifyOrderFailureTopicArn", topic_arn.as_str()),
            // The service integrations, in moto's (the aws) partition.
            ("LambdaInvoke", "arn:aws:states:::lambda:invoke"),
            ("SnsPublish", "arn:aws:states:::sns:publish"),
        ]
        .into();
        assert_eq!(
            substitutions.keys().map(String::as_str).collect::<Vec<_>>(),
            arns.keys().copied().collect::<Vec<_>>(),
            "the definition's substitutions changed: update this test"
        );
        let mut text = definition.to_string();
        for (name, arn) in &arns {
            text = text.replace(&format!("${{{name}}}"), arn);
        }
        let machine_arn = moto.json(
            "states",
            "AWSStepFunctions.CreateStateMachine",
            json!({"name": unique("auction"), "definition": text, "roleArn": role_arn, "type": "STANDARD"}),
        )["stateMachineArn"]
            .as_str()
            .unwrap()
            .to_owned();
        Pipeline {
            moto,
            machine_arn,
            queue_url,
        }
    }

    /// Starts an execution, waits for its end; returns the description and the history's event types.
    fn run(&self, input: Json) -> (Json, Vec<String>) {
        let execution_arn = self.moto.json(
            "states",
            "AWSStepFunctions.StartExecution",
            json!({"stateMachineArn": self.machine_arn, "input": input.to_string()}),
        )["executionArn"]
            .as_str()
            .unwrap()
            .to_owned();
        let deadline = Instant::now() + Duration::from_secs(60);
        let description = loop {
            let d = self.moto.json(
                "states",
                "AWSStepFunctions.DescribeExecution",
                json!({"executionArn": execution_arn}),
            );
            if d["status"] != "RUNNING" {
                break d;
            }
            assert!(
                Instant::now() < deadline,
                "the execution still runs after 60 s: {d}"
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        let history = self.moto.json(
            "states",
            "AWSStepFunctions.GetExecutionHistory",
            json!({"executionArn": execution_arn, "maxResults": 1000}),
        );
        let types = history["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect::<Vec<String>>();
        eprintln!(
            "execution {}: {} {}\n  history: {}",
            execution_arn,
            description["status"],
            description["error"],
            types.join(" ")
        );
        (description, types)
    }

    fn received_messages(&self) -> Vec<Json> {
        let r = self.moto.json(
            "sqs",
            "AmazonSQS.ReceiveMessage",
            json!({"QueueUrl": self.queue_url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}),
        );
        r["Messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|m| serde_json::from_str(m["Body"].as_str().unwrap()).unwrap())
            .collect()
    }
}

/// One test, scenarios in sequence: moto's canned-result queue is shared by
/// every invocation, so scenarios must not run at the same time (cargo
/// nextest runs each test in its own process, where a lock would not help).
#[test]
#[ignore = "needs moto: run scripts/test.sh"]
fn auction_state_machine_runs_in_moto() {
    results_false_twice_then_true_maps_the_orders();
    results_never_true_fails_with_results_not_ready_after_the_bound();
}

fn count(types: &[String], t: &str) -> usize {
    types.iter().filter(|x| *x == t).count()
}

fn order(status: &str, id: &str) -> Json {
    json!({"order": status, "order_id": id, "quantity": 2, "price": 9.5})
}

fn results_false_twice_then_true_maps_the_orders() {
    let p = Pipeline::create();
    p.moto.queue_lambda_results(&[
        json!({"results": false}).to_string(),
        json!({"results": false}).to_string(),
        json!({"results": true, "orders": [order("accepted", "ord-1"), order("accepted", "ord-2")]}).to_string(),
        json!({"order_id": "ord-x", "status": "saved", "bucket": "b", "key": "orders/ord-x.json"}).to_string(),
        json!({"order_id": "ord-x", "status": "saved", "bucket": "b", "key": "orders/ord-x.json"}).to_string(),
    ]);
    let (d, types) = p.run(json!({"seed": 7}));
    assert_eq!(d["status"], "SUCCEEDED", "{d}\n{types:?}");
    assert_eq!(count(&types, "WaitStateEntered"), 2, "{types:?}");
    assert_eq!(count(&types, "MapIterationSucceeded"), 2, "{types:?}");
    assert_eq!(count(&types, "TaskScheduled"), 3 + 2, "{types:?}");
    let output: Json = serde_json::from_str(d["output"].as_str().unwrap()).unwrap();
    assert_eq!(output["attempts"]["count"], 3, "{output}");
    assert_eq!(output["seed"], 7, "the input is kept: {output}");
    let processed = output["processed"].as_array().unwrap();
    assert_eq!(processed.len(), 2, "{output}");
    for p in processed {
        assert_eq!(p["result"]["Payload"]["status"], "saved", "{output}");
        assert!(p.get("error").is_none(), "{output}");
    }
    assert!(p.received_messages().is_empty(), "no failure was notified");
}

fn results_never_true_fails_with_results_not_ready_after_the_bound() {
    let p = Pipeline::create();
    let not_ready = json!({"results": false}).to_string();
    p.moto
        .queue_lambda_results(&[not_ready.clone(), not_ready.clone(), not_ready]);
    let (d, types) = p.run(json!({}));
    assert_eq!(d["status"], "FAILED", "{d}\n{types:?}");
    assert_eq!(d["error"], "ResultsNotReady", "{d}");
    assert_eq!(
        d["cause"],
        "the results generator did not return results after 3 attempts, 1 s apart"
    );
    assert_eq!(
        count(&types, "TaskScheduled"),
        3,
        "exactly the bound: {types:?}"
    );
    assert_eq!(count(&types, "MapStateEntered"), 0, "{types:?}");
}
