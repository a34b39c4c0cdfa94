//! The delivery pipeline stack (`-c pipeline=true`): stage and action order,
//! every role's exact statements, the permissions boundary of the deployed
//! roles, the pinned build tools, the self-mutation settings, the failure
//! notification, a snapshot, and cfn-lint/checkov on the synthesized template.
//!
//! Snapshot: `tests/snapshots/Pipeline.template.json`; regenerate with
//! `UPDATE_SNAPSHOTS=1 cargo test -p infra --test pipeline`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use constructs::assertions::{Match, Template};
use constructs::{deployment_order, CloudAssembly, Format};
use serde_json::{json, Value as Json};

const CONNECTION: &str = "arn:aws:codeconnections:eu-west-1:123456789012:connection/abc";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn synth(extra: &[(&str, &str)]) -> anyhow::Result<CloudAssembly> {
    let mut context: BTreeMap<String, String> = [
        ("pipeline", "true"),
        ("pipeline.connectionArn", CONNECTION),
        ("pipeline.repository", "owner/repo"),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    context.retain(|_, v| !v.is_empty());
    let app = infra::app::build(context, workspace())?;
    Ok(app.synth(Format::Json)?)
}

fn pipeline_template(extra: &[(&str, &str)]) -> Json {
    synth(extra)
        .expect("the app synthesizes")
        .stack("Pipeline")
        .expect("the Pipeline stack")
        .template
        .clone()
}

fn one<'a>(t: &'a Json, resource_type: &str, id_prefix: &str) -> (&'a str, &'a Json) {
    let found: Vec<_> = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(id, r)| r["Type"] == resource_type && id.starts_with(id_prefix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {resource_type} {id_prefix}*: {found:?}"
    );
    (found[0].0.as_str(), found[0].1)
}

/// The statements of a role's DefaultPolicy, as written.
fn policy_statements(t: &Json, role_prefix: &str) -> Vec<Json> {
    common::policy_statements(&Template::from_json(t.clone()), role_prefix)
        .as_array()
        .unwrap()
        .clone()
}

/// The statements of the managed policies attached to the deploy role, in order.
fn deploy_policy_statements(t: &Json) -> Vec<Json> {
    let (role_id, _) = one(t, "AWS::IAM::Role", "DeliveryDeployRole");
    let mut found = Vec::new();
    for n in 1.. {
        let prefix = format!("DeliveryDeployPolicy{n}");
        let policies: Vec<&Json> = t["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(id, r)| r["Type"] == "AWS::IAM::ManagedPolicy" && id.starts_with(&prefix))
            .map(|(_, r)| r)
            .collect();
        let Some(policy) = policies.first() else {
            break;
        };
        assert_eq!(policy["Properties"]["Roles"], json!([{"Ref": role_id}]));
        found.extend(
            policy["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .cloned(),
        );
    }
    found
}

/// The characters IAM counts in `document` once CloudFormation has resolved
/// it, at most: each intrinsic taken at the longest value it can have.
fn resolved_chars_at_most(document: &Json) -> usize {
    fn resolve(v: &Json) -> Json {
        match v {
            Json::Object(o) if o.contains_key("Fn::Sub") => json!(o["Fn::Sub"]
                .as_str()
                .unwrap()
                .replace("${AWS::Partition}", "aws-us-gov")
                .replace("${AWS::Region}", "xx-xxxxxxxxx-99")
                .replace("${AWS::AccountId}", "123456789012")),
            // An ARN of a role, key or bucket of this stack: at most 128 characters.
            Json::Object(o) if o.contains_key("Fn::GetAtt") || o.contains_key("Ref") => {
                json!("x".repeat(128))
            }
            Json::Object(o) if o.contains_key("Fn::Join") => {
                let parts = o["Fn::Join"][1].as_array().unwrap();
                json!(parts
                    .iter()
                    .map(|p| resolve(p).as_str().unwrap().to_owned())
                    .collect::<String>())
            }
            Json::Object(o) => {
                Json::Object(o.iter().map(|(k, v)| (k.clone(), resolve(v))).collect())
            }
            Json::Array(a) => Json::Array(a.iter().map(resolve).collect()),
            other => other.clone(),
        }
    }
    resolve(document).to_string().len()
}

/// (actions, resources, condition) of each statement of a role's DefaultPolicy, all `Allow`.
fn statements(t: &Json, role_prefix: &str) -> Vec<Json> {
    policy_statements(t, role_prefix)
        .iter()
        .map(|s| {
            assert_eq!(s["Effect"], "Allow");
            json!([s["Action"], s["Resource"], s.get("Condition")])
        })
        .collect()
}

/// The CloudFormation stacks of the app, in the order the pipeline deploys them.
const DEV_STACKS: [&str; 4] = ["Dev-Orders", "Dev-Auction", "Dev-Tokens", "Dev-TwoFactor"];

fn sub(s: &str) -> Json {
    json!({ "Fn::Sub": s })
}

/// Every `Allow` statement of the roles of an app template: (action, granted on `*`).
fn app_grants(t: &Json) -> Vec<(String, bool)> {
    let mut grants = Vec::new();
    for r in t["Resources"].as_object().unwrap().values() {
        let documents: Vec<&Json> = match r["Type"].as_str().unwrap() {
            "AWS::IAM::Policy" => vec![&r["Properties"]["PolicyDocument"]],
            "AWS::IAM::Role" => r["Properties"]["Policies"]
                .as_array()
                .map(|p| p.iter().map(|p| &p["PolicyDocument"]).collect())
                .unwrap_or_default(),
            _ => continue,
        };
        for s in documents
            .into_iter()
            .flat_map(|d| d["Statement"].as_array().unwrap())
        {
            if s["Effect"] != "Allow" {
                continue;
            }
            let on_star = s["Resource"] == "*"
                || s["Resource"]
                    .as_array()
                    .is_some_and(|r| r.contains(&json!("*")));
            let actions = match &s["Action"] {
                Json::Array(a) => a.iter().map(|a| a.as_str().unwrap().to_owned()).collect(),
                a => vec![a.as_str().unwrap().to_owned()],
            };
            grants.extend(actions.into_iter().map(|a| (a, on_star)));
        }
    }
    grants
}

fn ids(t: &Json) -> BTreeMap<&'static str, Json> {
    let id = |ty, prefix| json!(one(t, ty, prefix).0);
    [
        ("key", id("AWS::KMS::Key", "DeliveryArtifactKey")),
        ("bucket", id("AWS::S3::Bucket", "DeliveryArtifactBucket")),
        ("logs", id("AWS::Logs::LogGroup", "DeliveryBuildLogs")),
        ("deploy", id("AWS::IAM::Role", "DeliveryDeployRole")),
        ("build", id("AWS::CodeBuild::Project", "DeliveryBuild")),
        (
            "update",
            id("AWS::CodeBuild::Project", "DeliveryUpdatePipeline"),
        ),
        ("assets", id("AWS::CodeBuild::Project", "DeliveryAssets")),
        ("pipeline", id("AWS::CodePipeline::Pipeline", "Delivery")),
        ("topic", id("AWS::SNS::Topic", "DeliveryFailureTopic")),
    ]
    .into_iter()
    .collect()
}

fn att(id: &Json, a: &str) -> Json {
    json!({"Fn::GetAtt": [id, a]})
}

fn stack_arn(name: &str) -> Json {
    json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{name}/*")})
}

#[test]
fn no_pipeline_stack_without_the_context_flag() {
    let app = infra::app::build(BTreeMap::new(), workspace()).unwrap();
    let assembly = app.synth(Format::Json).unwrap();
    let names: Vec<&str> = assembly
        .stacks
        .iter()
        .map(|s| s.stack_name.as_str())
        .collect();
    assert_eq!(
        names,
        ["Dev-Orders", "Dev-Auction", "Dev-Tokens", "Dev-TwoFactor"]
    );
}

#[test]
fn missing_connection_or_repository_is_a_clear_error() {
    let err = synth(&[("pipeline.connectionArn", "")])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("-c pipeline=true needs -c pipeline.connectionArn="),
        "{err}"
    );
    let err = synth(&[("pipeline.repository", "")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs -c pipeline.repository="), "{err}");
    let err = synth(&[("pipeline.prod", "yes")]).unwrap_err().to_string();
    assert!(
        err.contains("pipeline.prod='yes' is not a boolean"),
        "{err}"
    );
}

/// (name, run order, action mode or provider) of an action.
type Action = (String, i64, String);

#[test]
fn stages_and_actions_in_order() {
    let t = pipeline_template(&[("pipeline.prod", "true")]);
    let (_, p) = one(&t, "AWS::CodePipeline::Pipeline", "Delivery");
    let stages: Vec<(String, Vec<Action>)> = p["Properties"]["Stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let actions = s["Actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    let kind = a["Configuration"]["ActionMode"]
                        .as_str()
                        .unwrap_or(a["ActionTypeId"]["Provider"].as_str().unwrap());
                    (
                        a["Name"].as_str().unwrap().to_owned(),
                        a["RunOrder"].as_i64().unwrap(),
                        kind.to_owned(),
                    )
                })
                .collect();
            (s["Name"].as_str().unwrap().to_owned(), actions)
        })
        .collect();
    let a = |n: &str, o: i64, k: &str| (n.to_owned(), o, k.to_owned());
    // Each stack of the stage, in deployment order: prepare, then execute.
    let deploy = |stage: &str, first: i64| {
        ["Orders", "Auction", "Tokens", "TwoFactor"]
            .iter()
            .enumerate()
            .flat_map(|(i, stack)| {
                let order = first + 2 * i as i64;
                [
                    a(
                        &format!("{stage}-{stack}.Prepare"),
                        order,
                        "CHANGE_SET_REPLACE",
                    ),
                    a(
                        &format!("{stage}-{stack}.Deploy"),
                        order + 1,
                        "CHANGE_SET_EXECUTE",
                    ),
                ]
            })
            .collect::<Vec<_>>()
    };
    let mut prod = vec![a("Approve", 1, "Manual")];
    prod.extend(deploy("Prod", 2));
    assert_eq!(
        stages,
        vec![
            (
                "Source".into(),
                vec![a("GitHub", 1, "CodeStarSourceConnection")]
            ),
            ("Build".into(), vec![a("Synth", 1, "CodeBuild")]),
            (
                "UpdatePipeline".into(),
                vec![a("SelfMutate", 1, "CodeBuild")]
            ),
            ("Assets".into(), vec![a("Publish", 1, "CodeBuild")]),
            ("Dev".into(), deploy("Dev", 1)),
            ("Prod".into(), prod),
        ]
    );
    // Without pipeline.prod, Dev is the last stage.
    let t = pipeline_template(&[]);
    let (_, p) = one(&t, "AWS::CodePipeline::Pipeline", "Delivery");
    let names: Vec<&str> = p["Properties"]["Stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Source", "Build", "UpdatePipeline", "Assets", "Dev"]
    );
}

#[test]
fn deploy_actions_follow_the_apps_deployment_order() {
    let assembly = synth(&[]).unwrap();
    let order: Vec<String> = deployment_order(&assembly.stacks)
        .expect("no cycle")
        .into_iter()
        .map(|s| s.stack_name.clone())
        .filter(|n| n.starts_with("Dev-"))
        .collect();
    let t = &assembly.stack("Pipeline").unwrap().template;
    let (_, p) = one(t, "AWS::CodePipeline::Pipeline", "Delivery");
    let dev = &p["Properties"]["Stages"][4]["Actions"];
    let prepared: Vec<String> = dev
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["Configuration"]["ActionMode"] == "CHANGE_SET_REPLACE")
        .map(|a| a["Configuration"]["StackName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(prepared, order);
    let ids = ids(t);
    Template::from_json(t.clone()).has_resource_properties(
        "AWS::CodePipeline::Pipeline",
        json!({"Stages": Match::array_with(vec![json!({
            "Name": "Dev",
            "Actions": Match::array_with(vec![json!({
                "Name": "Dev-Orders.Prepare",
                "Configuration": {
                    "ActionMode": "CHANGE_SET_REPLACE",
                    "StackName": "Dev-Orders",
                    "ChangeSetName": "Dev-Orders-pipeline",
                    "TemplatePath": "Synth::cdk.out/Dev-Orders.template.json",
                    "Capabilities": "CAPABILITY_IAM,CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND",
                    "RoleArn": att(&ids["deploy"], "Arn"),
                },
                "InputArtifacts": [{"Name": "Synth"}],
            })]),
        })])}),
    );
}

#[test]
fn self_mutation_restarts_on_update_and_source_is_the_connection() {
    let t = Template::from_json(pipeline_template(&[]));
    let ids = ids(t.to_json());
    t.has_resource_properties(
        "AWS::CodePipeline::Pipeline",
        json!({
            "Name": "Pipeline-Delivery",
            "PipelineType": "V2",
            "ExecutionMode": "SUPERSEDED",
            "RestartExecutionOnUpdate": true,
            "ArtifactStore": {
                "Type": "S3",
                "Location": {"Ref": ids["bucket"]},
                "EncryptionKey": {"Type": "KMS", "Id": att(&ids["key"], "Arn")},
            },
            "Triggers": [{
                "ProviderType": "CodeStarSourceConnection",
                "GitConfiguration": {
                    "SourceActionName": "GitHub",
                    "Push": [{"Branches": {"Includes": ["main"]}}],
                },
            }],
            "Stages": Match::array_with(vec![json!({"Name": "Source", "Actions": [{
                "Name": "GitHub",
                "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "CodeStarSourceConnection", "Version": "1"},
                "Configuration": {
                    "ConnectionArn": CONNECTION,
                    "FullRepositoryId": "owner/repo",
                    "BranchName": "main",
                    "OutputArtifactFormat": "CODE_ZIP",
                    "DetectChanges": false,
                },
                "OutputArtifacts": [{"Name": "Source"}],
                "RunOrder": 1,
            }]})]),
        }),
    );
}

#[test]
fn build_steps_run_typed_buildspecs() {
    let t = pipeline_template(&[("pipeline.prod", "true")]);
    let spec = |prefix: &str| -> String {
        let (_, p) = one(&t, "AWS::CodeBuild::Project", prefix);
        assert_eq!(p["Properties"]["Environment"]["Type"], "ARM_CONTAINER");
        p["Properties"]["Source"]["BuildSpec"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let build = spec("DeliveryBuild");
    let context = format!("-c pipeline=true -c pipeline.connectionArn={CONNECTION} -c pipeline.repository=owner/repo -c pipeline.prod=true");
    // Pinned tools, each checked against a pinned hash; nothing piped into a shell.
    for pinned in [
        "/rustup/archive/1.29.0/aarch64-unknown-linux-gnu/rustup-init",
        "sha256sum --check --strict",
        "--default-toolchain 1.95.0",
        "cargo-lambda==1.9.2 --hash=sha256:",
        "ziglang==0.17.1 --hash=sha256:",
        "/tmp/lambda-venv/bin/pip install --require-hashes --only-binary :all: -r /tmp/build-tools.txt",
        "cargo build --release --locked -p infra",
    ] {
        assert!(build.contains(pinned), "{pinned}: {build}");
    }
    assert!(
        !build.contains("sh.rustup.rs") && !build.contains("| sh -"),
        "{build}"
    );
    assert!(
        build.contains(&format!(
            "target/release/infra synth --quiet -o cdk.out {context}"
        )),
        "{build}"
    );
    assert!(
        build.contains(&format!(
            "target/release/infra build --arch arm64 {context}"
        )),
        "{build}"
    );
    assert!(
        build.contains("artifacts:\n  files:\n  - cdk.out/**/*\n  - target/release/infra\n"),
        "{build}"
    );
    assert!(spec("DeliveryUpdatePipeline").contains(
        "./target/release/infra deploy Pipeline --app cdk.out --require-approval never --role-arn \"$DEPLOY_ROLE_ARN\""
    ));
    assert!(
        spec("DeliveryAssets").contains("./target/release/infra pipeline publish --app cdk.out")
    );
    // The Build step's cache paths live in the artifact bucket; the other steps cache nothing.
    let ids = ids(&t);
    let cache = |prefix: &str| {
        one(&t, "AWS::CodeBuild::Project", prefix).1["Properties"]
            .get("Cache")
            .cloned()
    };
    assert_eq!(
        cache("DeliveryBuild"),
        Some(
            json!({"Type": "S3", "Location": {"Fn::Join": ["", [{"Ref": ids["bucket"]}, "/codebuild-cache/Build"]]}})
        )
    );
    assert_eq!(cache("DeliveryUpdatePipeline"), None);
    assert_eq!(cache("DeliveryAssets"), None);
}

#[test]
fn every_role_has_exactly_its_statements() {
    let t = pipeline_template(&[]);
    let ids = ids(&t);
    let bucket = att(&ids["bucket"], "Arn");
    let objects = json!({"Fn::Join": ["", [bucket, "/*"]]});
    let key = att(&ids["key"], "Arn");
    let logs = json!([
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        att(&ids["logs"], "Arn"),
        null
    ]);
    let read = [
        logs.clone(),
        json!(["kms:Decrypt", key, null]),
        json!(["s3:ListBucket", bucket, null]),
        json!(["s3:GetObject", objects, null]),
    ];
    let staging = json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"});
    let pass = json!(["iam:PassRole", att(&ids["deploy"], "Arn"), {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}]);

    let mut build = read.to_vec();
    build.extend([
        json!([["kms:Decrypt", "kms:GenerateDataKey"], key, null]),
        json!([["s3:AbortMultipartUpload", "s3:PutObject"], objects, null]),
    ]);
    assert_eq!(statements(&t, "DeliveryBuildRole"), build);

    let update = vec![
        read[0].clone(),
        read[1].clone(),
        json!(["s3:ListBucket", [bucket, staging], null]),
        read[3].clone(),
        json!([
            [
                "cloudformation:CreateChangeSet",
                "cloudformation:DeleteChangeSet",
                "cloudformation:DeleteStack",
                "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStacks",
                "cloudformation:ExecuteChangeSet",
                "cloudformation:GetTemplate"
            ],
            stack_arn("Pipeline"),
            null
        ]),
        json!([
            "cloudformation:DescribeStacks",
            stack_arn("CDKToolkit"),
            null
        ]),
        pass.clone(),
        json!([["s3:GetObject", "s3:PutObject"], {"Fn::Join": ["", [staging, "/*"]]}, null]),
    ];
    assert_eq!(statements(&t, "DeliveryUpdatePipelineRole"), update);

    let assets = vec![
        read[0].clone(),
        read[1].clone(),
        json!(["s3:ListBucket", [bucket, staging], null]),
        read[3].clone(),
        json!([["s3:GetObject", "s3:PutObject"], {"Fn::Join": ["", [staging, "/*"]]}, null]),
    ];
    assert_eq!(statements(&t, "DeliveryAssetsRole"), assets);

    let pipeline = vec![
        json!(["kms:Decrypt", key, null]),
        json!(["s3:ListBucket", bucket, null]),
        json!(["s3:GetObject", objects, null]),
        json!([["kms:Decrypt", "kms:GenerateDataKey"], key, null]),
        json!([["s3:AbortMultipartUpload", "s3:PutObject"], objects, null]),
        json!([
            ["s3:GetBucketLocation", "s3:GetBucketVersioning"],
            bucket,
            null
        ]),
        json!([
            [
                "codeconnections:UseConnection",
                "codestar-connections:UseConnection"
            ],
            CONNECTION,
            null
        ]),
        json!([
            ["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
            [
                att(&ids["build"], "Arn"),
                att(&ids["update"], "Arn"),
                att(&ids["assets"], "Arn")
            ],
            null
        ]),
        json!([
            [
                "cloudformation:CreateChangeSet",
                "cloudformation:DeleteChangeSet",
                "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStacks",
                "cloudformation:ExecuteChangeSet"
            ],
            [
                stack_arn("Dev-Orders"),
                stack_arn("Dev-Auction"),
                stack_arn("Dev-Tokens"),
                stack_arn("Dev-TwoFactor")
            ],
            null
        ]),
        pass,
    ];
    assert_eq!(statements(&t, "DeliveryRole"), pipeline);

    // The deploy role: the app's statements in managed policies; in its own
    // policy the six on roles (see `deploy_role_creates_roles_only_with_the_boundary`),
    // artifact and staging reads, and handing the pipeline stack's own roles
    // back to their services.
    let stacks: Vec<String> = ["Pipeline"]
        .iter()
        .chain(&DEV_STACKS)
        .map(|s| (*s).to_owned())
        .collect();
    let app: Vec<Json> = infra::app::pipeline::deploy_statements(&stacks)
        .iter()
        .map(|s| s.to_json())
        .collect();
    assert_eq!(deploy_policy_statements(&t), app);
    let deploy = policy_statements(&t, "DeliveryDeployRole");
    assert_eq!(deploy.len(), 6 + 5);
    let builds = json!([
        att(
            &one(&t, "AWS::IAM::Role", "DeliveryBuildRole").0.into(),
            "Arn"
        ),
        att(
            &one(&t, "AWS::IAM::Role", "DeliveryUpdatePipelineRole")
                .0
                .into(),
            "Arn"
        ),
        att(
            &one(&t, "AWS::IAM::Role", "DeliveryAssetsRole").0.into(),
            "Arn"
        ),
    ]);
    let pipeline_role = att(&one(&t, "AWS::IAM::Role", "DeliveryRole").0.into(), "Arn");
    assert_eq!(
        deploy[6..],
        [
            json!({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key}),
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket}),
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": [objects, {"Fn::Join": ["", [staging, "/*"]]}]}),
            json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": builds,
                   "Condition": {"StringEquals": {"iam:PassedToService": "codebuild.amazonaws.com"}}}),
            json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": pipeline_role,
                   "Condition": {"StringEquals": {"iam:PassedToService": "codepipeline.amazonaws.com"}}}),
        ]
    );
}

#[test]
fn deploy_role_creates_roles_only_with_the_boundary() {
    let t = pipeline_template(&[("pipeline.prod", "true")]);
    let deploy = policy_statements(&t, "DeliveryDeployRole");
    let boundary =
        sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Pipeline-PermissionsBoundary");
    // Exactly the roles of the deployed stacks: not the pipeline's own, not any `Dev-*`.
    let roles: Vec<Json> = DEV_STACKS
        .iter()
        .chain(&[
            "Prod-Orders",
            "Prod-Auction",
            "Prod-Tokens",
            "Prod-TwoFactor",
        ])
        .map(|s| {
            sub(&format!(
                "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{s}-*"
            ))
        })
        .collect();
    let any_role = sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*");
    assert_eq!(
        deploy[..6],
        [
            json!({"Effect": "Allow",
                   "Action": ["iam:CreateRole", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
                   "Resource": roles,
                   "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}}}),
            json!({"Effect": "Allow",
                   "Action": ["iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy"],
                   "Resource": roles}),
            // The services the app's roles are for, read from their trust policies.
            json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": roles,
                   "Condition": {"StringEquals": {"iam:PassedToService": [
                       "apigateway.amazonaws.com", "events.amazonaws.com", "lambda.amazonaws.com", "states.amazonaws.com"]}}}),
            json!({"Effect": "Deny", "Action": "iam:DeleteRolePermissionsBoundary", "Resource": any_role}),
            json!({"Effect": "Deny", "Action": "iam:PutRolePermissionsBoundary", "Resource": any_role,
                   "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": boundary}}}),
            json!({"Effect": "Deny",
                   "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
                   "Resource": boundary}),
        ]
    );
    // No other statement names an IAM action but PassRole of the pipeline's own roles, by ARN.
    for s in deploy[6..].iter().chain(&deploy_policy_statements(&t)) {
        let text = s["Action"].to_string();
        assert!(
            !text.contains("\"iam:")
                || (s["Action"] == "iam:PassRole"
                    && s["Resource"].to_string().contains("Fn::GetAtt")),
            "{s}"
        );
    }
}

#[test]
fn deploy_role_policies_fit_iams_size_limits_with_two_stages() {
    let t = pipeline_template(&[("pipeline.prod", "true")]);
    let (role_id, _) = one(&t, "AWS::IAM::Role", "DeliveryDeployRole");
    let mut managed = 0;
    let mut inline = 0;
    for r in t["Resources"].as_object().unwrap().values() {
        let document = &r["Properties"]["PolicyDocument"];
        match r["Type"].as_str().unwrap() {
            "AWS::IAM::ManagedPolicy" if r["Properties"]["Roles"] == json!([{"Ref": role_id}]) => {
                assert!(resolved_chars_at_most(document) <= 6_144);
                managed += 1;
            }
            "AWS::IAM::Policy" if r["Properties"]["Roles"] == json!([{"Ref": role_id}]) => {
                inline += resolved_chars_at_most(document);
            }
            _ => {}
        }
    }
    // Inline policies: 10,240 characters per role in all. Managed: 10 per role.
    assert!(inline <= 10_240, "{inline}");
    assert!((2..=9).contains(&managed), "{managed}");
    let (_, boundary) = one(&t, "AWS::IAM::ManagedPolicy", "DeliveryPermissionsBoundary");
    assert!(resolved_chars_at_most(&boundary["Properties"]["PolicyDocument"]) <= 6_144);
}

#[test]
fn app_roles_carry_the_boundary_only_with_the_pipeline() {
    let assembly = synth(&[("pipeline.prod", "true")]).unwrap();
    let boundary =
        sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Pipeline-PermissionsBoundary");
    let mut app_roles = 0;
    for stack in &assembly.stacks {
        for r in stack.template["Resources"].as_object().unwrap().values() {
            if r["Type"] != "AWS::IAM::Role" {
                continue;
            }
            let got = r["Properties"].get("PermissionsBoundary");
            if stack.stack_name == "Pipeline" {
                // The pipeline's roles are an administrator's: the deploy role cannot touch them.
                assert_eq!(got, None);
            } else {
                assert_eq!(got, Some(&boundary), "{}", stack.stack_name);
                app_roles += 1;
            }
        }
        // The boundary must exist before the stacks whose roles name it.
        if stack.stack_name != "Pipeline" {
            assert!(
                stack.dependencies.contains(&"Pipeline".to_owned()),
                "{}",
                stack.stack_name
            );
        }
    }
    assert_eq!(app_roles, 2 * 10);
    // Without the pipeline (infra local, a deployment by hand), no role names it.
    let app = infra::app::build(BTreeMap::new(), workspace()).unwrap();
    let assembly = app.synth(Format::Json).unwrap();
    for stack in &assembly.stacks {
        assert!(!stack.template.to_string().contains("PermissionsBoundary"));
        assert!(stack
            .dependencies
            .iter()
            .all(|d| !d.starts_with("Pipeline")));
    }
}

#[test]
fn boundary_allows_exactly_what_the_app_roles_are_granted_in_this_account() {
    let assembly = synth(&[]).unwrap();
    let t = &assembly.stack("Pipeline").unwrap().template;
    let (_, policy) = one(t, "AWS::IAM::ManagedPolicy", "DeliveryPermissionsBoundary");
    assert_eq!(
        policy["Properties"]["ManagedPolicyName"],
        "Pipeline-PermissionsBoundary"
    );
    let mut allowed: BTreeMap<String, bool> = BTreeMap::new();
    for s in policy["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
    {
        assert_eq!(s["Effect"], "Allow");
        let on_star = s["Resource"] == "*";
        if !on_star {
            // The service's resources in this account (and region), nothing wider.
            let pattern = s["Resource"]["Fn::Sub"].as_str().unwrap();
            let in_account = pattern.ends_with(":${AWS::Region}:${AWS::AccountId}:*")
                || (pattern == "arn:${AWS::Partition}:s3:::*"
                    && s["Condition"]
                        == json!({"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}));
            assert!(in_account, "{s}");
        }
        let actions = match &s["Action"] {
            Json::Array(a) => a.clone(),
            a => vec![a.clone()],
        };
        for a in actions {
            let a = a.as_str().unwrap().to_owned();
            if !on_star {
                assert!(
                    s["Resource"]["Fn::Sub"]
                        .as_str()
                        .unwrap()
                        .contains(&format!(":{}:", a.split(':').next().unwrap())),
                    "{a} under {s}"
                );
            }
            assert!(allowed.insert(a, on_star).is_none());
        }
    }
    let mut granted: BTreeMap<String, bool> = BTreeMap::new();
    for stack in DEV_STACKS {
        for (action, on_star) in app_grants(&assembly.stack(stack).unwrap().template) {
            *granted.entry(action).or_default() |= on_star;
        }
    }
    assert!(allowed.keys().all(|a| !a.starts_with("iam:")));
    assert_eq!(allowed, granted);
    assert!(allowed.contains_key("dynamodb:PutItem") && allowed["xray:PutTraceSegments"]);
}

#[test]
fn deploy_role_changes_only_resources_of_the_deployed_stacks() {
    let t = pipeline_template(&[]);
    let deploy = deploy_policy_statements(&t);
    let stacks: Vec<Json> = ["Pipeline"]
        .iter()
        .chain(&DEV_STACKS)
        .map(|s| json!(s))
        .collect();
    let tagged = json!({"StringEquals": {"aws:ResourceTag/aws:cloudformation:stack-name": stacks}});
    let names = |pattern: &str, lower: bool| -> Json {
        stacks
            .iter()
            .map(|s| {
                let s = s.as_str().unwrap();
                sub(&pattern.replace(
                    "{}",
                    &if lower {
                        s.to_lowercase()
                    } else {
                        s.to_owned()
                    },
                ))
            })
            .collect()
    };
    let find = |action: &str| -> Vec<&Json> {
        deploy
            .iter()
            .filter(|s| {
                s["Action"] == action
                    || s["Action"]
                        .as_array()
                        .is_some_and(|a| a.contains(&json!(action)))
            })
            .collect()
    };
    // What the issue named, each limited by the stack tag or by exact stack names.
    for action in [
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
        "secretsmanager:DeleteSecret",
        "secretsmanager:UpdateSecret",
        "codebuild:UpdateProject",
        "states:UpdateStateMachine",
        "apigateway:DELETE",
        "apigateway:PATCH",
        "apigateway:PUT",
    ] {
        let found = find(action);
        assert_eq!(found.len(), 1, "{action}");
        assert_eq!(found[0]["Condition"], tagged, "{action}");
    }
    let posts = find("apigateway:POST");
    assert_eq!(posts.len(), 2);
    assert_eq!(
        posts[0]["Resource"],
        sub("arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis")
    );
    assert_eq!(
        posts[1]["Resource"],
        sub("arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/*")
    );
    assert_eq!(posts[1]["Condition"], tagged);
    let log_groups = find("logs:DeleteLogGroup");
    assert_eq!(log_groups.len(), 1);
    assert_eq!(
        log_groups[0]["Resource"],
        names(
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:{}-*",
            false
        )
    );
    assert_eq!(
        find("lambda:UpdateFunctionCode")[0]["Resource"],
        names(
            "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:{}-*",
            false
        )
    );
    assert_eq!(
        find("cloudwatch:PutMetricAlarm")[0]["Resource"],
        names(
            "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:{}-*",
            false
        )
    );
    assert_eq!(
        find("s3:DeleteBucket")[0]["Resource"],
        names("arn:${AWS::Partition}:s3:::{}-*", true)
    );
    // No stage-wide name pattern is left anywhere.
    let text = serde_json::to_string(&deploy).unwrap();
    for wide in [
        "/Dev-*",
        ":Dev-*",
        "/dev-*",
        ":::dev-*",
        "role/Pipeline-*",
        "Prod-*",
    ] {
        assert!(!text.contains(wide), "{wide}");
    }
}

#[test]
fn only_the_update_step_knows_the_deploy_role() {
    let t = pipeline_template(&[]);
    let ids = ids(&t);
    let vars = |prefix: &str| {
        one(&t, "AWS::CodeBuild::Project", prefix).1["Properties"]["Environment"]
            .get("EnvironmentVariables")
            .cloned()
    };
    assert_eq!(vars("DeliveryBuild"), None);
    assert_eq!(vars("DeliveryAssets"), None);
    assert_eq!(
        vars("DeliveryUpdatePipeline"),
        Some(json!([{"Name": "DEPLOY_ROLE_ARN", "Value": att(&ids["deploy"], "Arn")}]))
    );
}

#[test]
fn no_wildcard_resource_except_kms_create_key() {
    let t = pipeline_template(&[("pipeline.prod", "true")]);
    let mut star = Vec::new();
    for (id, r) in t["Resources"].as_object().unwrap() {
        // The boundary's `*` (actions without resource-level permissions) is
        // pinned in `boundary_allows_exactly_what_the_app_roles_are_granted_in_this_account`.
        let policy = r["Type"] == "AWS::IAM::Policy"
            || (r["Type"] == "AWS::IAM::ManagedPolicy"
                && !id.starts_with("DeliveryPermissionsBoundary"));
        if !policy {
            continue;
        }
        for s in r["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
        {
            let resources = match &s["Resource"] {
                Json::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            if resources.contains(&json!("*")) {
                star.push((id.clone(), s["Action"].clone()));
            }
        }
    }
    assert_eq!(star.len(), 1, "{star:?}");
    assert!(star[0].0.starts_with("DeliveryDeployPolicy"));
    assert_eq!(star[0].1, json!("kms:CreateKey"));
}

#[test]
fn failed_executions_notify_the_topic() {
    let t = Template::from_json(pipeline_template(&[]));
    let ids = ids(t.to_json());
    let rule_arn = json!({"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/Pipeline-Delivery-Failed"});
    t.has_resource_properties(
        "AWS::Events::Rule",
        json!({
            "Name": "Pipeline-Delivery-Failed",
            "State": "ENABLED",
            "EventPattern": {
                "source": ["aws.codepipeline"],
                "detail-type": ["CodePipeline Pipeline Execution State Change"],
                "detail": {"state": ["FAILED"], "pipeline": [{"Ref": ids["pipeline"]}]},
            },
            "Targets": [{"Id": "Topic", "Arn": {"Ref": ids["topic"]}}],
        }),
    );
    t.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        json!({"PolicyDocument": {"Statement": [
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": {"Ref": ids["topic"]},
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
             "Resource": {"Ref": ids["topic"]}, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}},
        ]}}),
    );
    t.has_resource_properties(
        "AWS::SNS::Topic",
        json!({"KmsMasterKeyId": att(&ids["key"], "Arn")}),
    );
    t.has_resource_properties(
        "AWS::KMS::Key",
        json!({"KeyPolicy": {"Statement": Match::array_with(vec![json!({
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
        })])}}),
    );
}

#[test]
fn snapshot() {
    common::assert_snapshot("Pipeline", &pipeline_template(&[]));
}

/// cfn-lint (zero errors and warnings) and checkov (zero failed checks) on the
/// synthesized pipeline template; `scripts/test.sh` installs both into `.tools/`.
#[test]
#[ignore = "needs .tools (cfn-lint, checkov): run scripts/test.sh"]
fn pipeline_template_passes_cfn_lint_and_checkov() {
    let dir = tempfile::tempdir().unwrap();
    let assembly = synth(&[("pipeline.prod", "true")]).unwrap();
    assembly.write(dir.path()).unwrap();
    let template = dir.path().join("Pipeline.template.json");
    let tools = workspace().join(".tools");
    let lint = std::process::Command::new(tools.join("venv/bin/cfn-lint"))
        .args(["--non-zero-exit-code", "warning", "--"])
        .arg(&template)
        .output()
        .expect("cfn-lint runs (scripts/tools.sh installs it)");
    assert!(
        lint.status.success(),
        "cfn-lint:\n{}",
        String::from_utf8_lossy(&lint.stdout)
    );
    let ckv = std::process::Command::new(tools.join("checkov-venv/bin/checkov"))
        .args([
            "--skip-download",
            "--framework",
            "cloudformation",
            "--compact",
            "--quiet",
            "-o",
            "json",
            "-f",
        ])
        .arg(&template)
        .output()
        .expect("checkov runs (scripts/tools.sh installs it)");
    let report: Json = serde_json::from_slice(&ckv.stdout).expect("checkov JSON report");
    assert_eq!(
        report["summary"]["failed"],
        0,
        "checkov: {}",
        String::from_utf8_lossy(&ckv.stdout)
    );
    assert!(report["summary"]["passed"].as_u64().unwrap() > 50);
}
