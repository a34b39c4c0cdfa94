//! The delivery pipeline stack: `Pipeline`, outside the
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
//!
//! **Permissions boundary.** With `-c pipeline=true`, every role of the
//! deployed stacks names the boundary the `Pipeline` stack defines
//! (`Pipeline-PermissionsBoundary`, by ARN, so the stacks need no import), and
//! those stacks depend on the `Pipeline` stack, which must exist first. The
//! Build step synthesizes with `-c pipeline=true`, so what the pipeline deploys
//! always carries it; without the flag (`infra local`, `infra deploy` by hand
//! for a development account) nothing refers to it and no `Pipeline` stack is
//! needed. The boundary's content is derived from the app's roles
//! ([`boundary_statements`]), the deploy role's from its stacks
//! ([`deploy_statements`]).

mod boundary;
mod deploy;

pub use boundary::boundary_statements;
pub use deploy::deploy_statements;

use anyhow::{bail, Context as _};
use aws_constructs::iam::{apply_permissions_boundary, RolePermissions};
use constructs::{App, Scope, Stack};
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
    let app_stacks: Vec<&Stack> = stages.iter().flat_map(|(_, stacks)| stacks).collect();
    let granted = RolePermissions::of(app_stacks.iter().map(|s| -> &Scope { s }));
    let boundary = pipeline::permissions_boundary_arn(STACK_ID);
    let mut deployed = vec![STACK_ID.to_owned()];
    for (env, stacks) in stages {
        props.stages.push(DeployStage {
            name: env.stage_id().to_owned(),
            stacks: stacks.iter().map(Stack::stack_name).collect(),
            manual_approval: *env == Env::Prod,
        });
        deployed.extend(stacks.iter().map(Stack::stack_name));
    }
    props.deploy_statements = deploy_statements(&deployed);
    props.boundary_statements = boundary_statements(&granted);
    props.role_services = granted.services.into_iter().collect();
    Pipeline::new(&stack, CONSTRUCT_ID, props);
    for app_stack in app_stacks {
        apply_permissions_boundary(app_stack, &boundary);
        app_stack.add_dependency(&stack);
    }
    Ok(stack)
}
