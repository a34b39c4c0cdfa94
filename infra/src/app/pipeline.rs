//! The delivery pipeline stack (DESIGN.md item 6): `Pipeline`, outside the
//! environment stages, created only when `-c pipeline=true` is given, so that
//! `infra synth` without it (what tests, `cdk ls` and developers run) is
//! unchanged and needs no GitHub connection.
//!
//! Context values (`-c key=value`):
//!
//! | Key | Meaning | Default |
//! |---|---|---|
//! | `pipeline` | `true` adds the `Pipeline` stack | absent: no pipeline |
//! | `pipeline.connectionArn` | ARN of the CodeStar connection to GitHub | required: synthesis fails without it |
//! | `pipeline.repository` | GitHub repository, `owner/name` | required: synthesis fails without it |
//! | `pipeline.branch` | branch that runs the pipeline | `main` |
//! | `pipeline.prod` | `true` adds a `Prod` stage (the `Prod/*` stacks) behind a manual approval | absent: `Dev` only |
//!
//! The Build step synthesizes with the same `pipeline*` values, so the
//! pipeline it deploys in UpdatePipeline is the one it was synthesized from.

use anyhow::{bail, Context as _};
use aws_constructs::iam::PolicyStatement;
use constructs::value::sub;
use constructs::{App, Stack, Value};
use pipeline::{DeployStage, Pipeline, PipelineProps};

use super::Env;

/// The stack's id (CloudFormation stack `Pipeline`).
pub const STACK_ID: &str = "Pipeline";
/// The pipeline construct's id.
pub const CONSTRUCT_ID: &str = "Delivery";
/// The CodePipeline pipeline's name (what `infra pipeline status` shows by default).
pub const PIPELINE_NAME: &str = "Pipeline-Delivery";
/// Context key that turns the pipeline on.
pub const ENABLE_CONTEXT: &str = "pipeline";
/// Context key: the CodeStar connection ARN.
pub const CONNECTION_CONTEXT: &str = "pipeline.connectionArn";
/// Context key: the GitHub repository.
pub const REPOSITORY_CONTEXT: &str = "pipeline.repository";
/// Context key: the branch.
pub const BRANCH_CONTEXT: &str = "pipeline.branch";
/// Context key: adds the prod stage.
pub const PROD_CONTEXT: &str = "pipeline.prod";

/// Whether `-c pipeline=true` was given.
pub fn enabled(app: &App) -> anyhow::Result<bool> {
    flag(app, ENABLE_CONTEXT)
}

/// Whether `-c pipeline.prod=true` was given.
pub fn prod_enabled(app: &App) -> anyhow::Result<bool> {
    flag(app, PROD_CONTEXT)
}

fn flag(app: &App, key: &str) -> anyhow::Result<bool> {
    match app.context(key).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => bail!("context value {key}='{other}' is not a boolean; use -c {key}=true"),
    }
}

/// Adds the `Pipeline` stack, deploying `stages` (each: name, approval, stacks in deployment order).
pub fn build(app: &App, stages: &[(Env, Vec<Stack>)]) -> anyhow::Result<Stack> {
    let required = |key: &str, example: &str| {
        app.context(key).with_context(|| {
            format!("-c {ENABLE_CONTEXT}=true needs -c {key}=… (for example -c {key}={example}); see the README, 'Delivery pipeline'")
        })
    };
    let connection_arn = required(
        CONNECTION_CONTEXT,
        "arn:aws:codeconnections:eu-west-1:123456789012:connection/…",
    )?;
    let repository = required(REPOSITORY_CONTEXT, "owner/repo")?;
    let stack = app.stack(STACK_ID);
    stack.set_description(
        "Self-mutating delivery pipeline: GitHub → build → update itself → assets → deploy",
    );

    let mut props = PipelineProps::new(connection_arn, repository);
    if let Some(branch) = app.context(BRANCH_CONTEXT) {
        props.branch = branch;
    }
    // The same pipeline* context the app was synthesized with (sorted: deterministic).
    props.synth_context = [
        ENABLE_CONTEXT,
        CONNECTION_CONTEXT,
        REPOSITORY_CONTEXT,
        BRANCH_CONTEXT,
        PROD_CONTEXT,
    ]
    .iter()
    .filter_map(|k| app.context(k).map(|v| ((*k).to_owned(), v)))
    .collect();
    let mut prefixes = vec![STACK_ID.to_owned()];
    for (env, stacks) in stages {
        prefixes.push(env.stage_id().to_owned());
        props.stages.push(DeployStage {
            name: env.stage_id().to_owned(),
            stacks: stacks.iter().map(Stack::stack_name).collect(),
            manual_approval: *env == Env::Prod,
        });
    }
    props.deploy_statements = deploy_statements(&prefixes);
    Pipeline::new(&stack, CONSTRUCT_ID, props);
    Ok(stack)
}

/// What CloudFormation may do with the deploy role: create, update and delete
/// the resource types of the app's stacks and of the pipeline stack. Resources
/// whose generated names start with the stack name are limited to the
/// deployed stacks' prefixes (`Dev-*`, `Pipeline-*`); those with generated
/// identifiers (API ids, key ids, state machine names) to the account and
/// region. `kms:CreateKey` alone has `Resource: "*"`: it has no resource-level
/// permissions.
pub fn deploy_statements(prefixes: &[String]) -> Vec<PolicyStatement> {
    let arns = |pattern: &str| -> Vec<Value<String>> {
        prefixes
            .iter()
            .flat_map(|p| {
                [
                    sub(pattern.replace("{}", p)),
                    sub(pattern.replace("{}", &p.to_lowercase())),
                ]
            })
            .collect::<Vec<_>>()
            .into_iter()
            .fold(Vec::new(), |mut acc, v| {
                if !acc.contains(&v) {
                    acc.push(v);
                }
                acc
            })
    };
    let account = |pattern: &str| vec![sub(pattern)];
    vec![
        PolicyStatement::allow(
            [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:PassRole",
                "iam:PutRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
            ],
            arns("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/{}-*"),
        ),
        PolicyStatement::allow(
            [
                "lambda:AddPermission",
                "lambda:CreateFunction",
                "lambda:DeleteFunction",
                "lambda:DeleteFunctionConcurrency",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:PutFunctionConcurrency",
                "lambda:RemovePermission",
                "lambda:TagResource",
                "lambda:UntagResource",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
            ],
            arns("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:{}-*"),
        ),
        PolicyStatement::allow(
            [
                "dynamodb:CreateTable",
                "dynamodb:DeleteTable",
                "dynamodb:DescribeContinuousBackups",
                "dynamodb:DescribeTable",
                "dynamodb:DescribeTimeToLive",
                "dynamodb:TagResource",
                "dynamodb:UntagResource",
                "dynamodb:UpdateContinuousBackups",
                "dynamodb:UpdateTable",
                "dynamodb:UpdateTimeToLive",
            ],
            arns("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/{}-*"),
        ),
        PolicyStatement::allow(
            [
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:Subscribe",
                "sns:TagResource",
                "sns:Unsubscribe",
                "sns:UntagResource",
            ],
            arns("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:{}-*"),
        ),
        PolicyStatement::allow(
            [
                "events:DeleteRule",
                "events:DescribeRule",
                "events:PutRule",
                "events:PutTargets",
                "events:RemoveTargets",
            ],
            arns("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/{}-*"),
        ),
        PolicyStatement::allow(
            [
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:DeleteBucketPolicy",
                "s3:GetBucketPolicy",
                "s3:PutBucketOwnershipControls",
                "s3:PutBucketPolicy",
                "s3:PutBucketPublicAccessBlock",
                "s3:PutBucketTagging",
                "s3:PutBucketVersioning",
                "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration",
            ],
            arns("arn:${AWS::Partition}:s3:::{}-*"),
        ),
        PolicyStatement::allow(
            [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:DescribeLogGroups",
                "logs:PutRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
                "logs:AssociateKmsKey",
                "logs:DisassociateKmsKey",
            ],
            account("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"),
        ),
        PolicyStatement::allow(
            [
                "kms:CreateAlias",
                "kms:DescribeKey",
                "kms:EnableKeyRotation",
                "kms:GetKeyPolicy",
                "kms:PutKeyPolicy",
                "kms:ScheduleKeyDeletion",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:UpdateKeyDescription",
            ],
            account("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"),
        ),
        PolicyStatement::allow(["kms:CreateKey"], [Value::from("*")]),
        PolicyStatement::allow(
            [
                "secretsmanager:CreateSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:DescribeSecret",
                "secretsmanager:TagResource",
                "secretsmanager:UpdateSecret",
            ],
            account(
                "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*",
            ),
        ),
        PolicyStatement::allow(
            [
                "apigateway:DELETE",
                "apigateway:GET",
                "apigateway:PATCH",
                "apigateway:POST",
                "apigateway:PUT",
            ],
            [
                sub("arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis"),
                sub("arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/*"),
            ],
        ),
        PolicyStatement::allow(
            [
                "states:CreateStateMachine",
                "states:DeleteStateMachine",
                "states:DescribeStateMachine",
                "states:TagResource",
                "states:UntagResource",
                "states:UpdateStateMachine",
            ],
            account("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:*"),
        ),
        PolicyStatement::allow(
            [
                "codebuild:BatchGetProjects",
                "codebuild:CreateProject",
                "codebuild:DeleteProject",
                "codebuild:UpdateProject",
            ],
            account("arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/*"),
        ),
        PolicyStatement::allow(
            [
                "codepipeline:CreatePipeline",
                "codepipeline:DeletePipeline",
                "codepipeline:GetPipeline",
                "codepipeline:TagResource",
                "codepipeline:UntagResource",
                "codepipeline:UpdatePipeline",
            ],
            arns("arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:{}-*"),
        ),
    ]
}
