//! `infra pipeline status` and `infra pipeline start` against moto's CodePipeline API
//! (`MOTO_ENDPOINT`, started by scripts/test.sh).
//!
//! What moto does not emulate, and what that leaves untested here:
//! - CloudFormation does not create `AWS::CodePipeline::Pipeline` (moto skips the
//!   type), so the pipeline is created with `CreatePipeline` directly, with the
//!   stage layout of the real one; its template is tested in `tests/pipeline.rs`.
//! - `GetPipelineState` is not implemented: `status` then lists the declared
//!   stages as "unknown", says why once, and still shows the last execution;
//!   per-stage states from a real `GetPipelineState` answer are not exercised.
//! - Executions do not run: `StartPipelineExecution` records an execution that
//!   moto reports `Succeeded` at once, so self-mutation (`RestartExecutionOnUpdate`) and the
//!   failure notification cannot be observed; both are asserted on the template.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::process::{Command, Output, Stdio};

use aws_sdk_codepipeline::types::{
    ActionCategory, ActionDeclaration, ActionOwner, ActionTypeId, ArtifactStore, ArtifactStoreType,
    InputArtifact, OutputArtifact, PipelineDeclaration, StageDeclaration,
};

const ROLE: &str = "infra-test-pipeline-role";

fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT is not set: run scripts/test.sh, or start moto_server and export MOTO_ENDPOINT")
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

async fn config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_codepipeline::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                ))
                .build_https(),
        )
        .load()
        .await
}

/// A role CodePipeline may assume (moto checks the role exists), made through
/// moto's CloudFormation, which does create IAM roles; returns its ARN.
async fn role(config: &aws_config::SdkConfig) -> String {
    let cfn = aws_sdk_cloudformation::Client::new(config);
    let template = serde_json::json!({"Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": ROLE,
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"
        }]}
    }}}});
    let _ = cfn
        .create_stack()
        .stack_name("infra-test-pipeline-role")
        .template_body(template.to_string())
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityNamedIam)
        .send()
        .await;
    format!("arn:aws:iam::123456789012:role/{ROLE}")
}

fn action(
    name: &str,
    category: ActionCategory,
    provider: &str,
    input: Option<&str>,
    output: Option<&str>,
) -> ActionDeclaration {
    ActionDeclaration::builder()
        .name(name)
        .action_type_id(
            ActionTypeId::builder()
                .category(category)
                .owner(ActionOwner::Aws)
                .provider(provider)
                .version("1")
                .build()
                .unwrap(),
        )
        .set_input_artifacts(input.map(|n| vec![InputArtifact::builder().name(n).build().unwrap()]))
        .set_output_artifacts(
            output.map(|n| vec![OutputArtifact::builder().name(n).build().unwrap()]),
        )
        .run_order(1)
        .build()
        .unwrap()
}

async fn create_pipeline(name: &str) {
    let config = config().await;
    let role_arn = role(&config).await;
    let client = aws_sdk_codepipeline::Client::new(&config);
    let stage = |name: &str, action: ActionDeclaration| {
        StageDeclaration::builder()
            .name(name)
            .actions(action)
            .build()
            .unwrap()
    };
    let source = action(
        "GitHub",
        ActionCategory::Source,
        "CodeStarSourceConnection",
        None,
        Some("Source"),
    );
    let build = action(
        "Synth",
        ActionCategory::Build,
        "CodeBuild",
        Some("Source"),
        Some("Synth"),
    );
    let update = action(
        "SelfMutate",
        ActionCategory::Build,
        "CodeBuild",
        Some("Synth"),
        None,
    );
    client
        .create_pipeline()
        .pipeline(
            PipelineDeclaration::builder()
                .name(name)
                .role_arn(role_arn)
                .artifact_store(
                    ArtifactStore::builder()
                        .r#type(ArtifactStoreType::S3)
                        .location("artifacts")
                        .build()
                        .unwrap(),
                )
                .stages(stage("Source", source))
                .stages(stage("Build", build))
                .stages(stage("UpdatePipeline", update))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("moto creates the pipeline");
}

#[test]
#[ignore = "needs moto: run scripts/test.sh"]
fn status_and_start_against_moto() {
    let name = "infra-test-delivery";
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(create_pipeline(name));

    let out = infra(&["pipeline", "status", "--name", name]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stages: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with("last execution") && !l.starts_with("stage states"))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(stages, ["Source", "Build", "UpdatePipeline"], "{stdout}");
    assert!(stdout.contains("Source          unknown\n"), "{stdout}");
    assert!(
        stdout.contains("stage states unavailable: GetPipelineState failed: "),
        "{stdout}"
    );
    assert!(stdout.contains("last execution: none"), "{stdout}");

    let out = infra(&["pipeline", "start", "--name", name]);
    assert!(out.status.success());
    let started = String::from_utf8_lossy(&out.stdout);
    let id = started
        .trim()
        .strip_prefix(&format!("{name}: started execution "))
        .unwrap_or_else(|| panic!("{started}"))
        .to_owned();
    assert!(!id.is_empty());

    let out = infra(&["pipeline", "status", "--name", name]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "last execution: {id} Succeeded (trigger: StartPipelineExecution)"
        )),
        "{stdout}"
    );
}

#[test]
#[ignore = "needs moto: run scripts/test.sh"]
fn unknown_pipeline_is_reported_with_the_fix() {
    let out = infra(&["pipeline", "status", "--name", "no-such-pipeline"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot read pipeline 'no-such-pipeline' (")
            && stderr.contains("); deploy the Pipeline stack first, or pass --name"),
        "{stderr}"
    );
}

/// The Assets step: `infra pipeline publish` uploads every stack's zips once,
/// and a second run finds them all in the staging bucket. The zips here are
/// placeholders (cargo-lambda is not run); the real ones come from the Build step.
#[test]
#[ignore = "needs moto: run scripts/test.sh"]
fn publish_uploads_every_asset_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cdk.out");
    let synth = Command::new(env!("CARGO_BIN_EXE_infra"))
        .args(["synth", "--quiet", "-o"])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run infra synth");
    assert!(
        synth.status.success(),
        "{}",
        String::from_utf8_lossy(&synth.stderr)
    );
    let mut zips = Vec::new();
    let mut all = Vec::new();
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".assets.json") {
            let manifest: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for file in manifest["files"].as_object().unwrap().values() {
                let source = file["source"]["path"].as_str().unwrap();
                all.push(
                    file["destinations"]["current_account-current_region"]["objectKey"].clone(),
                );
                if source.ends_with(".zip") {
                    std::fs::write(
                        out.join(source),
                        b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
                    )
                    .unwrap();
                    zips.push(source.to_owned());
                }
            }
        }
    }
    zips.sort();
    zips.dedup();
    assert!(!zips.is_empty());
    assert!(infra(&["bootstrap"]).status.success());

    let app = out.to_str().unwrap();
    let first = infra(&["pipeline", "publish", "--app", app]);
    assert!(first.status.success());
    let stderr = String::from_utf8_lossy(&first.stderr);
    let uploaded: usize = stderr
        .lines()
        .filter_map(|l| l.split("assets: ").nth(1))
        .map(|l| l.split(' ').next().unwrap().parse::<usize>().unwrap())
        .sum();
    // Every asset (the zips and each stack's template) once.
    all.sort_by_key(|k| k.to_string());
    all.dedup();
    assert_eq!(uploaded, all.len(), "{stderr}");

    let second = infra(&["pipeline", "publish", "--app", app]);
    assert!(second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr
            .lines()
            .filter(|l| l.contains("assets: "))
            .all(|l| l.contains("assets: 0 uploaded")),
        "{stderr}"
    );
}

/// UpdatePipeline runs `infra deploy --role-arn`: the change set is created
/// with that role, so CloudFormation (not the CodeBuild role) changes the resources.
#[test]
#[ignore = "needs moto: run scripts/test.sh"]
fn deploy_hands_the_role_to_cloudformation() {
    let dir = tempfile::tempdir().unwrap();
    let app = constructs::App::new();
    let stack = app.stack("InfraTestRoleArn");
    stack.add("Topic", cfn::sns::Topic::new());
    app.synth(constructs::Format::Json)
        .unwrap()
        .write(dir.path())
        .unwrap();
    assert!(infra(&["bootstrap"]).status.success());
    let role = "arn:aws:iam::123456789012:role/Pipeline-DeployRole";
    let out = infra(&[
        "deploy",
        "InfraTestRoleArn",
        "--app",
        dir.path().to_str().unwrap(),
        "--require-approval",
        "never",
        "--role-arn",
        role,
    ]);
    assert!(out.status.success());
    let role_arn = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let cfn = aws_sdk_cloudformation::Client::new(&config().await);
            let stacks = cfn
                .describe_stacks()
                .stack_name("InfraTestRoleArn")
                .send()
                .await
                .unwrap();
            stacks.stacks()[0].role_arn().map(str::to_owned)
        });
    assert_eq!(role_arn.as_deref(), Some(role));
}
