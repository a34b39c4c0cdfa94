//! The construct on its own, outside the application: defaults, options and
//! errors. The application's pipeline is tested in `infra/tests/pipeline.rs`.

use constructs::{App, Format};
use pipeline::{BuildArch, DeployStage, Pipeline, PipelineProps};
use serde_json::{json, Value as Json};

const CONNECTION: &str = "arn:aws:codestar-connections:us-east-1:123456789012:connection/x";

fn synth(props: PipelineProps) -> Result<Json, String> {
    let app = App::new();
    let stack = app.stack("Ci");
    Pipeline::new(&stack, "Pipe", props);
    let assembly = app.synth(Format::Json).map_err(|e| e.to_string())?;
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
    props.arch = BuildArch::X86_64;
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
    let err = synth(PipelineProps::new(CONNECTION, "just-a-name")).unwrap_err();
    assert!(
        err.contains("repository must be 'owner/name': 'just-a-name'"),
        "{err}"
    );
}
