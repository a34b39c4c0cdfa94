//! The construct on its own, outside the application: defaults, options and
//! errors. The application's pipeline is tested in `infra/tests/pipeline.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use aws_constructs::iam::PolicyStatement;
use aws_constructs::lambda::Architecture;
use constructs::{App, Format, Value};
use pipeline::{DeployStage, Pipeline, PipelineProps};
use serde_json::{json, Value as Json};

const CONNECTION: &str = "arn:aws:codestar-connections:us-east-1:123456789012:connection/x";

fn synth(props: PipelineProps) -> Result<Json, constructs::Error> {
    let app = App::new();
    let stack = app.stack("Ci");
    Pipeline::new(&stack, "Pipe", props);
    let assembly = app.synth(Format::Json)?;
    Ok(assembly.stack("Ci").unwrap().template.clone())
}

fn of_type<'a>(t: &'a Json, ty: &str) -> Vec<&'a Json> {
    t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == ty)
        .collect()
}

#[test]
fn defaults_without_deploy_stages() {
    let t = synth(PipelineProps::new(CONNECTION, "o/r")).unwrap();
    let p = &of_type(&t, "AWS::CodePipeline::Pipeline")[0]["Properties"];
    assert_eq!(p["Name"], "Ci-Pipe");
    assert_eq!(p["RestartExecutionOnUpdate"], true);
    let stages: Vec<&str> = p["Stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Name"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["Source", "Build", "UpdatePipeline", "Assets"]);
    assert_eq!(
        p["Stages"][0]["Actions"][0]["Configuration"]["BranchName"],
        "main"
    );
    for project in of_type(&t, "AWS::CodeBuild::Project") {
        assert_eq!(
            project["Properties"]["Environment"]["Type"],
            "ARM_CONTAINER"
        );
        assert_eq!(
            project["Properties"]["Environment"]["Image"],
            "aws/codebuild/amazonlinux-aarch64-standard:3.0"
        );
    }
    // No stacks to deploy: the pipeline role gets no CloudFormation actions and may pass no role.
    let text = serde_json::to_string(&t).unwrap();
    assert!(!text.contains("cloudformation:CreateChangeSet\",\"cloudformation:DeleteChangeSet\",\"cloudformation:DescribeChangeSet\",\"cloudformation:DescribeStacks\",\"cloudformation:ExecuteChangeSet\""));
    // The UpdatePipeline step deploys this stack.
    assert!(text.contains("infra deploy Ci --app cdk.out"));
}

#[test]
fn options_x86_branch_and_approval() {
    let mut props = PipelineProps::new(CONNECTION, "o/r");
    props.arch = Architecture::X86_64;
    props.branch = "release".into();
    props.synth_context = vec![("k".into(), "v".into())];
    props.stages = vec![DeployStage {
        name: "Qa".into(),
        stacks: vec!["Qa-A".into()],
        manual_approval: true,
    }];
    let t = synth(props).unwrap();
    let p = &of_type(&t, "AWS::CodePipeline::Pipeline")[0]["Properties"];
    assert_eq!(
        p["Triggers"][0]["GitConfiguration"]["Push"],
        json!([{"Branches": {"Includes": ["release"]}}])
    );
    let qa = &p["Stages"][4];
    assert_eq!(qa["Name"], "Qa");
    let actions: Vec<&str> = qa["Actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Name"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["Approve", "Qa-A.Prepare", "Qa-A.Deploy"]);
    for project in of_type(&t, "AWS::CodeBuild::Project") {
        assert_eq!(
            project["Properties"]["Environment"]["Type"],
            "LINUX_CONTAINER"
        );
    }
    let build = of_type(&t, "AWS::CodeBuild::Project")
        .into_iter()
        .find(|p| {
            p["Properties"]["Source"]["BuildSpec"]
                .as_str()
                .unwrap()
                .contains("infra synth")
        })
        .unwrap();
    assert!(build["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .unwrap()
        .contains("infra synth --quiet -o cdk.out -c k=v"));
}

#[test]
fn repository_must_be_owner_slash_name() {
    let err = synth(PipelineProps::new(CONNECTION, "just-a-name"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("repository must be 'owner/name': 'just-a-name'"),
        "{err}"
    );
}

/// The deploy role's statements, in order, as IAM JSON.
fn deploy_role_statements(t: &Json) -> Vec<Json> {
    let (role_id, _) = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(id, r)| r["Type"] == "AWS::IAM::Role" && id.starts_with("PipeDeployRole"))
        .unwrap();
    of_type(t, "AWS::IAM::Policy")
        .into_iter()
        .find(|p| p["Properties"]["Roles"] == json!([{"Ref": role_id}]))
        .unwrap()["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn deployed_roles_are_created_and_changed_only_with_the_boundary() {
    let mut props = PipelineProps::new(CONNECTION, "o/r");
    props.stages = vec![DeployStage {
        name: "Qa".into(),
        stacks: vec!["Qa-A".into(), "Qa-B".into()],
        manual_approval: false,
    }];
    props.boundary_statements = vec![PolicyStatement::allow(
        ["s3:GetObject"],
        [Value::from("arn:aws:s3:::b/*")],
    )];
    props.role_services = vec!["lambda.amazonaws.com".into(), "states.amazonaws.com".into()];
    let t = synth(props).unwrap();

    let boundary = json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Ci-PermissionsBoundary"});
    assert_eq!(
        serde_json::to_value(pipeline::permissions_boundary_arn("Ci")).unwrap(),
        boundary
    );
    let policies = of_type(&t, "AWS::IAM::ManagedPolicy");
    assert_eq!(policies.len(), 1);
    assert_eq!(
        policies[0]["Properties"]["ManagedPolicyName"],
        "Ci-PermissionsBoundary"
    );
    assert_eq!(
        policies[0]["Properties"]["PolicyDocument"],
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
        ]})
    );

    let roles = json!([
        {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Qa-A-*"},
        {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Qa-B-*"},
    ]);
    let any_role = json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"});
    let statements = deploy_role_statements(&t);
    assert_eq!(
        statements[..6],
        [
            json!({"Effect": "Allow",
                   "Action": ["iam:CreateRole", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
                   "Resource": roles,
                   "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}}}),
            json!({"Effect": "Allow",
                   "Action": ["iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy"],
                   "Resource": roles}),
            json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": roles,
                   "Condition": {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com", "states.amazonaws.com"]}}}),
            json!({"Effect": "Deny", "Action": "iam:DeleteRolePermissionsBoundary", "Resource": any_role}),
            json!({"Effect": "Deny", "Action": "iam:PutRolePermissionsBoundary", "Resource": any_role,
                   "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": boundary}}}),
            json!({"Effect": "Deny",
                   "Action": ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
                   "Resource": boundary}),
        ]
    );
    // Its own roles only to the services that use them, by exact ARN.
    let pass: Vec<&Json> = statements
        .iter()
        .filter(|s| s["Action"] == "iam:PassRole")
        .skip(1)
        .collect();
    assert_eq!(pass.len(), 2);
    assert_eq!(pass[0]["Resource"].as_array().unwrap().len(), 3);
    assert_eq!(
        pass[0]["Condition"],
        json!({"StringEquals": {"iam:PassedToService": "codebuild.amazonaws.com"}})
    );
    assert!(pass[1]["Resource"]["Fn::GetAtt"][0]
        .as_str()
        .unwrap()
        .starts_with("PipeRole"));
    assert_eq!(
        pass[1]["Condition"],
        json!({"StringEquals": {"iam:PassedToService": "codepipeline.amazonaws.com"}})
    );
}

#[test]
fn without_a_boundary_the_deploy_role_may_create_no_role() {
    let mut props = PipelineProps::new(CONNECTION, "o/r");
    props.stages = vec![DeployStage {
        name: "Qa".into(),
        stacks: vec!["Qa-A".into()],
        manual_approval: false,
    }];
    let t = synth(props).unwrap();
    assert!(of_type(&t, "AWS::IAM::ManagedPolicy").is_empty());
    let text = serde_json::to_string(&deploy_role_statements(&t)).unwrap();
    assert!(!text.contains("iam:CreateRole") && !text.contains("iam:PutRolePolicy"));
}
