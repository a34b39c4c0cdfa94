//! End to end against moto in server mode (`MOTO_ENDPOINT`, started by
//! scripts/test.sh): the `infra` binary bootstraps, deploys, diffs and
//! destroys a small test app built here with constructs + cfn types, with fake
//! function zips (cargo-lambda is not run).
//!
//! What moto does not emulate, and where it is tested instead:
//! - Resource-level stack events (moto emits only stack-level ones) and
//!   asynchronous failures with a rollback: moto fails `ExecuteChangeSet`
//!   itself. Picking the first failed resource, its construct path and the
//!   rollback note is tested on SDK event values in `deploy::events` and
//!   `deploy::stack` unit tests; here we check the failing stack and
//!   CloudFormation's reason are reported and the exit status is non-zero.
//! - Replacement and property details in change sets (moto lists actions
//!   only): rendered from SDK `Change` values in `deploy::changeset` tests.
//! - Stack outputs and exports of stacks made through change sets (moto stores none):
//!   output printing is unit-tested in `deploy::stack`.
//! - Bucket versioning and encryption set through CloudFormation (moto creates
//!   the bucket without them): checked on the template in `deploy::bootstrap`.
//! - `UpdateTerminationProtection` (moto answers HTTP 500): deploy warns and
//!   goes on; not exercised here.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use aws_constructs::lambda::{rust_function_asset, Architecture};
use cfn::iam::Role;
use cfn::lambda::function::{Code, Runtime};
use cfn::lambda::Function;
use cfn::sns::Topic;
use cfn::sqs::Queue;
use constructs::{App, Format, Output as CfnOutput};
use serde_json::json;

/// An empty but valid zip archive (end-of-central-directory record only).
const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT is not set: run scripts/test.sh, or start moto_server and export MOTO_ENDPOINT")
}

/// A workspace with one fake function crate (its files are hashed, never built).
fn workspace(dir: &Path) {
    std::fs::create_dir_all(dir.join("functions/echo/src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"functions/*\"]\n",
    )
    .unwrap();
    std::fs::write(dir.join("Cargo.lock"), "# lock\n").unwrap();
    std::fs::write(
        dir.join("functions/echo/Cargo.toml"),
        "[package]\nname = \"echo\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("functions/echo/src/main.rs"), "fn main() {}\n").unwrap();
}

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Initial,
    Changed,
    Broken,
}

/// Synthesizes the test app into `out` (with fake zips); returns the stack name prefix.
fn synth(root: &Path, out: &Path, prefix: &str, variant: Variant) {
    let app = App::new();
    app.set_source_root(root);
    let stage = app.stage(prefix);
    let base = stage.stack("Base");
    let topic = base.add("Topic", Topic::new());
    base.output("TopicArn", CfnOutput::new(topic.ref_()));

    let service = stage.stack("Service");
    // An explicit dependency, not a cross-stack reference: moto registers no
    // exports for stacks made through change sets, so Fn::ImportValue fails there.
    service.add_dependency(&base);
    service.add_tag("app", "infra-test");
    let role = service.add(
        "Role",
        Role::new(json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        }))
        .policies(constructs::value::list([cfn::iam::role::Policy::new(
            "publish",
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sns:Publish", "Resource": constructs::value::sub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:*")}
            ]}),
        )])),
    );
    let code = rust_function_asset(&service, "functions/echo", Architecture::Arm64);
    let function = service.add(
        "Function",
        Function::new(
            Code::new()
                .s3_bucket(code.bucket_name)
                .s3_key(code.object_key),
            role.arn(),
        )
        .runtime(Runtime::ProvidedAl2023)
        .handler("bootstrap")
        .memory_size(if variant == Variant::Initial {
            128
        } else {
            256
        }),
    );
    let queue = service.add("Queue", Queue::new());
    if variant != Variant::Initial {
        service.add("DeadLetters", Queue::new());
    }
    service.output("FunctionArn", CfnOutput::new(function.arn()));
    service.output("ApiUrl", CfnOutput::new(queue.queue_url()));

    if variant == Variant::Broken {
        let broken = stage.stack("Broken");
        broken.add(
            "BadQueue",
            Queue::new().queue_name("not a valid queue name!"),
        );
    }
    let assembly = app.synth(Format::Json).expect("test app synthesizes");
    assembly.write(out).unwrap();
    for stack in &assembly.stacks {
        for asset in stack.assets.iter().filter(|a| a.package.is_some()) {
            std::fs::write(out.join(&asset.source_path), EMPTY_ZIP).unwrap();
        }
    }
}

fn infra(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_infra"))
        .args(args)
        .args(["--endpoint-url", &endpoint(), "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .expect("run infra");
    eprintln!(
        "$ infra {}\n--- stdout\n{}--- stderr\n{}--- exit {:?}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code()
    );
    out
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

async fn sdk() -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::Ring))
                .build_https(),
        )
        .endpoint_url(endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

async fn stack_status(cfn: &aws_sdk_cloudformation::Client, name: &str) -> Option<String> {
    cfn.describe_stacks()
        .stack_name(name)
        .send()
        .await
        .ok()
        .and_then(|o| {
            o.stacks()
                .first()
                .and_then(|s| s.stack_status().map(|s| s.as_str().to_owned()))
        })
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn bootstrap_deploy_update_fail_diff_destroy() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("ws");
    workspace(&root);
    let prefix = format!("T{}", std::process::id());
    let dirs: Vec<PathBuf> = ["v1", "v2", "v3"]
        .iter()
        .map(|d| tmp.path().join(d))
        .collect();
    synth(&root, &dirs[0], &prefix, Variant::Initial);
    synth(&root, &dirs[1], &prefix, Variant::Changed);
    synth(&root, &dirs[2], &prefix, Variant::Broken);
    let app = |i: usize| dirs[i].to_str().unwrap().to_owned();
    let config = sdk().await;
    let cfn = aws_sdk_cloudformation::Client::new(&config);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let bucket = "cdk-hnb659fds-assets-123456789012-us-east-1";
    let (base, service, broken) = (
        format!("{prefix}-Base"),
        format!("{prefix}-Service"),
        format!("{prefix}-Broken"),
    );

    // Bootstrap, twice: the second run changes nothing.
    let o = infra(&["bootstrap"]);
    assert!(o.status.success());
    assert_eq!(
        stack_status(&cfn, "CDKToolkit").await.as_deref(),
        Some("CREATE_COMPLETE")
    );
    // moto's CloudFormation creates the bucket but ignores its versioning and
    // encryption settings: those are checked on the template in deploy::bootstrap.
    s3.head_bucket()
        .bucket(bucket)
        .send()
        .await
        .expect("staging bucket exists");
    let resources = cfn
        .list_stack_resources()
        .stack_name("CDKToolkit")
        .send()
        .await
        .unwrap();
    let types: Vec<&str> = resources
        .stack_resource_summaries()
        .iter()
        .filter_map(|r| r.resource_type())
        .collect();
    assert!(
        types.contains(&"AWS::SSM::Parameter") && types.len() == 3,
        "{types:?}"
    );
    let o = infra(&["bootstrap"]);
    assert!(o.status.success());
    assert!(
        text(&o).1.contains("already bootstrapped"),
        "{}",
        text(&o).1
    );

    // Without a terminal, a change that grants permissions (the Service role) stops.
    let o = infra(&["deploy", "--all", "--app", &app(0)]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(
        err.contains(&format!(
            "the deployment of {service} grants new permissions"
        )),
        "{err}"
    );
    assert!(err.contains("--require-approval never"), "{err}");
    assert!(
        err.contains("IAM statement Role: Allow action \"sns:Publish\"")
            && err.contains("assets: 2 uploaded"),
        "{err}"
    );
    assert_eq!(
        stack_status(&cfn, &base).await.as_deref(),
        Some("CREATE_COMPLETE")
    );

    // Deploy all: assets published, stacks created in dependency order, outputs printed.
    let o = infra(&[
        "deploy",
        "--all",
        "--app",
        &app(0),
        "--require-approval",
        "never",
    ]);
    assert!(o.status.success());
    let (out, err) = text(&o);
    assert!(err.contains(&format!("({base}): no changes")), "{err}");
    assert!(
        err.contains(&format!(
            "Change set for {prefix}/Service ({service}) (CREATE): 3 to add"
        )),
        "{err}"
    );
    assert!(
        err.contains("assets: 0 uploaded (0 B), 2 already published"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{prefix}/Service ({service}): CREATE_COMPLETE")),
        "{err}"
    );
    // moto keeps no Outputs on stacks created or updated through change sets
    // (DescribeStacks returns none), so there is nothing to print here; the
    // printing is unit-tested in deploy::stack (format_outputs). Checked, not skipped:
    let described = cfn
        .describe_stacks()
        .stack_name(&service)
        .send()
        .await
        .unwrap();
    let outputs = described.stacks()[0].outputs();
    if outputs.is_empty() {
        assert!(!out.contains("Outputs:"), "{out}");
    } else {
        assert!(
            out.contains(&format!("{service}.FunctionArn = arn:aws:lambda:")),
            "{out}"
        );
    }
    assert_eq!(
        stack_status(&cfn, &service).await.as_deref(),
        Some("CREATE_COMPLETE")
    );
    let keys: Vec<String> = s3
        .list_objects_v2()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    let zip = std::fs::read_dir(&dirs[0])
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.starts_with("asset.") && n.ends_with(".zip"))
        .unwrap();
    let zip_key = zip.trim_start_matches("asset.");
    assert!(keys.iter().any(|k| k == zip_key), "{keys:?}");
    assert!(
        keys.iter().filter(|k| k.ends_with(".json")).count() >= 2,
        "{keys:?}"
    );

    // Again: nothing uploaded, empty change sets, nothing executed.
    let o = infra(&[
        "deploy",
        "--all",
        "--app",
        &app(0),
        "--require-approval",
        "never",
    ]);
    assert!(o.status.success());
    let (_, err) = text(&o);
    assert!(err.contains(&format!("({base}): no changes")), "{err}");
    assert!(
        err.contains(&format!("{prefix}/Service ({service}): no changes")),
        "{err}"
    );
    assert!(!err.contains("Change set for"), "{err}");
    assert_eq!(err.matches("assets: 0 uploaded").count(), 2, "{err}");

    // A changed stack deploys as an UPDATE.
    let o = infra(&[
        "deploy",
        &service,
        "--app",
        &app(1),
        "--require-approval",
        "never",
    ]);
    assert!(o.status.success());
    let (_, err) = text(&o);
    assert!(
        err.contains(&format!("({service}) (UPDATE): 1 to add, ")),
        "{err}"
    );
    assert!(err.contains("+ DeadLetters"), "{err}");
    assert!(err.contains("UPDATE_COMPLETE"), "{err}");
    assert_eq!(
        stack_status(&cfn, &service).await.as_deref(),
        Some("UPDATE_COMPLETE")
    );

    // A failing deployment names the stack and CloudFormation's reason, exits non-zero.
    let o = infra(&[
        "deploy",
        &broken,
        "--app",
        &app(2),
        "--require-approval",
        "never",
    ]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(
        err.contains(&format!(
            "infra: error: deployment of {prefix}/Broken ({broken}) failed: "
        )),
        "{err}"
    );
    assert!(err.contains("InvalidParameterValue"), "{err}");
    assert!(err.contains("nothing was created"), "{err}");

    // diff: the deployed Service (v2) against v1 and v2.
    let o = infra(&["diff", &service, "--app", &app(0), "--fail"]);
    assert!(!o.status.success());
    let (out, _) = text(&o);
    assert!(out.contains("[~] AWS::Lambda::Function Function"), "{out}");
    assert!(
        out.contains("[~] Properties.MemorySize: 256 → 128"),
        "{out}"
    );
    assert!(out.contains("[-] AWS::SQS::Queue DeadLetters"), "{out}");
    let o = infra(&["diff", &service, "--app", &app(1), "--fail"]);
    assert!(o.status.success());
    assert!(text(&o).0.contains("There were no differences"));

    // destroy: refuses without a terminal, then deletes dependents first.
    let o = infra(&["destroy", "--all", "--app", &app(2)]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("pass --force"));
    let o = infra(&["destroy", "--all", "--app", &app(2), "--force"]);
    assert!(o.status.success());
    let (_, err) = text(&o);
    let (s, b) = (
        err.find(&format!("({service}): destroyed")),
        err.find(&format!("({base}): destroyed")),
    );
    assert!(s.is_some() && b.is_some() && s < b, "{err}");
    for name in [&base, &service, &broken] {
        let status = stack_status(&cfn, name).await;
        assert!(
            status.is_none() || status.as_deref() == Some("DELETE_COMPLETE"),
            "{name}: {status:?}"
        );
    }
}
