//! The pipeline's stages: Source, one per CodeBuild step, and one per deploy
//! stage (an optional approval, then a change set per stack).

use aws_constructs::iam::Role;
use cfn::codepipeline::pipeline::{
    ActionDeclaration, ActionTypeId, Category, InputArtifact, OutputArtifact, StageDeclaration,
};
use constructs::value::list;
use serde_json::json;

use crate::steps::{BuildStep, Step};
use crate::{DeployStage, PipelineProps, BUILD_ARTIFACT, SOURCE_ARTIFACT};

fn action(category: Category, owner: &str, provider: &str, name: &str) -> ActionDeclaration {
    ActionDeclaration::new(ActionTypeId::new(owner, category, "1", provider), name)
}

/// Source: the repository's branch through the CodeStar connection.
pub(crate) fn source(props: &PipelineProps) -> StageDeclaration {
    StageDeclaration::new(
        list([action(
            Category::Source,
            "AWS",
            "CodeStarSourceConnection",
            "GitHub",
        )
        .configuration(json!({
            "ConnectionArn": props.connection_arn,
            "FullRepositoryId": props.repository,
            "BranchName": props.branch,
            "OutputArtifactFormat": "CODE_ZIP",
            "DetectChanges": false,
        }))
        .output_artifacts(list([OutputArtifact::new(SOURCE_ARTIFACT)]))
        .run_order(1)]),
        "Source",
    )
}

/// The stage of a CodeBuild step: Build reads the source and writes the
/// build artifact, which the other steps read.
pub(crate) fn codebuild(step: Step, build: &BuildStep) -> StageDeclaration {
    let input = match step {
        Step::Build => SOURCE_ARTIFACT,
        Step::UpdatePipeline | Step::Assets => BUILD_ARTIFACT,
    };
    let mut action = action(Category::Build, "AWS", "CodeBuild", step.action_name())
        .configuration(json!({ "ProjectName": build.project.ref_() }))
        .input_artifacts(list([InputArtifact::new(input)]))
        .run_order(1);
    if step == Step::Build {
        action = action.output_artifacts(list([OutputArtifact::new(BUILD_ARTIFACT)]));
    }
    StageDeclaration::new(list([action]), step.id())
}

/// A deploy stage: the approval if asked for, then per stack a change set
/// (`CHANGE_SET_REPLACE`, with the deploy role) and its execution.
pub(crate) fn deploy(stage: &DeployStage, deploy_role: &Role) -> StageDeclaration {
    let mut actions = Vec::new();
    let mut order = 1;
    if stage.manual_approval {
        actions.push(action(Category::Approval, "AWS", "Manual", "Approve").run_order(order));
        order += 1;
    }
    for stack in &stage.stacks {
        let change_set = format!("{stack}-pipeline");
        actions.push(
            action(
                Category::Deploy,
                "AWS",
                "CloudFormation",
                &format!("{stack}.Prepare"),
            )
            .configuration(json!({
                "ActionMode": "CHANGE_SET_REPLACE",
                "StackName": stack,
                "ChangeSetName": change_set,
                "TemplatePath": format!("{BUILD_ARTIFACT}::cdk.out/{stack}.template.json"),
                "Capabilities": "CAPABILITY_IAM,CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND",
                "RoleArn": deploy_role.arn(),
            }))
            .input_artifacts(list([InputArtifact::new(BUILD_ARTIFACT)]))
            .run_order(order),
        );
        actions.push(
            action(
                Category::Deploy,
                "AWS",
                "CloudFormation",
                &format!("{stack}.Deploy"),
            )
            .configuration(json!({
                "ActionMode": "CHANGE_SET_EXECUTE",
                "StackName": stack,
                "ChangeSetName": change_set,
            }))
            .run_order(order + 1),
        );
        order += 2;
    }
    StageDeclaration::new(list(actions), stage.name.as_str())
}
