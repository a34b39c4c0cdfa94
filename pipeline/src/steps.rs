//! The pipeline's CodeBuild steps: Build, UpdatePipeline and Assets, each a
//! project with its own role and buildspec.

use aws_constructs::iam::{grant, Role, ServicePrincipal};
use aws_constructs::kms::Key;
use aws_constructs::lambda::Architecture;
use aws_constructs::logs::LogGroup;
use aws_constructs::s3::Bucket;
use cfn::codebuild::project::{
    Artifacts as BuildArtifacts, CloudWatchLogsConfig, Environment as BuildEnvironment,
    EnvironmentVariable as BuildVariable, LogsConfig, ProjectCache, Source as BuildSource,
};
use cfn::codebuild::{Project, ProjectRef};
use constructs::value::{join, list};
use constructs::{Scope, Value};

use crate::{tools, BuildSpec, Phase, CACHE_PREFIX, DEPLOY_ROLE_ENV, LOGS_WRITE_ACTIONS};

/// A CodeBuild project with its role and buildspec.
#[derive(Clone, Debug)]
pub struct BuildStep {
    /// The project.
    pub project: ProjectRef,
    /// The project's service role.
    pub role: Role,
    /// What it runs.
    pub spec: BuildSpec,
}

/// Which step: each is one pipeline stage of one CodeBuild action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Builds the functions and synthesizes the app.
    Build,
    /// Deploys the pipeline's own stack.
    UpdatePipeline,
    /// Publishes the function zips.
    Assets,
}

/// What every step shares: where it runs, logs and keeps its cache, and
/// what its commands name.
pub(crate) struct StepContext<'a> {
    pub scope: &'a Scope,
    pub arch: Architecture,
    pub key: &'a Key,
    pub bucket: &'a Bucket,
    pub logs: &'a LogGroup,
    /// ` -c key=value` for each context value Build passes to `infra synth`.
    pub synth_context: String,
    /// The stack UpdatePipeline deploys.
    pub pipeline_stack: &'a str,
    /// The role UpdatePipeline hands CloudFormation.
    pub deploy_role: &'a Role,
}

impl Step {
    /// The construct id of the project (`<id>`) and its role (`<id>Role`), and the stage name.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Step::Build => "Build",
            Step::UpdatePipeline => "UpdatePipeline",
            Step::Assets => "Assets",
        }
    }

    /// The name of the step's action in its stage.
    pub(crate) fn action_name(self) -> &'static str {
        match self {
            Step::Build => "Synth",
            Step::UpdatePipeline => "SelfMutate",
            Step::Assets => "Publish",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Step::Build => "Builds the functions with cargo-lambda and synthesizes the app",
            Step::UpdatePipeline => {
                "Deploys the pipeline's own stack from the synthesized assembly"
            }
            Step::Assets => "Publishes the function zips to the CDK staging bucket",
        }
    }

    /// The machine: Build compiles, the others run the built `infra`.
    fn compute_type(self) -> &'static str {
        match self {
            Step::Build => "BUILD_GENERAL1_LARGE",
            Step::UpdatePipeline | Step::Assets => "BUILD_GENERAL1_SMALL",
        }
    }

    fn timeout_minutes(self) -> i64 {
        match self {
            Step::Build => 60,
            Step::UpdatePipeline | Step::Assets => 20,
        }
    }

    /// What the step runs.
    fn spec(self, cx: &StepContext) -> BuildSpec {
        let (context, pipeline_stack) = (&cx.synth_context, cx.pipeline_stack);
        match self {
            Step::Build => BuildSpec::new()
                .env("CARGO_TERM_COLOR", "never")
                .commands(Phase::Install, tools::install_commands(cx.arch))
                .commands(
                    Phase::Build,
                    [
                        ". \"$HOME/.cargo/env\"".to_owned(),
                        format!("export PATH=\"{}/bin:$PATH\"", tools::LAMBDA_VENV),
                        "cargo build --release --locked -p infra".to_owned(),
                        format!("target/release/infra synth --quiet -o cdk.out{context}"),
                        format!("target/release/infra build --arch arm64{context}"),
                    ],
                )
                .artifact_files(["cdk.out/**/*", "target/release/infra"])
                .cache_paths(["/root/.cargo/registry/**/*", "target/**/*"]),
            // CloudFormation updates the pipeline stack with the deploy role, as
            // it deploys the app's stacks: this step's role only drives the change set.
            Step::UpdatePipeline => BuildSpec::new().commands(
                Phase::Build,
                [
                    // Zip artifacts do not always keep the executable bit.
                    "chmod +x target/release/infra".to_owned(),
                    format!(
                        "./target/release/infra deploy {pipeline_stack} --app cdk.out --require-approval never --role-arn \"${DEPLOY_ROLE_ENV}\""
                    ),
                ],
            ),
            Step::Assets => BuildSpec::new().commands(
                Phase::Build,
                [
                    "chmod +x target/release/infra",
                    "./target/release/infra pipeline publish --app cdk.out",
                ],
            ),
        }
    }

    /// Adds the step's role and project. Every step writes its logs and reads
    /// the artifacts; Build also writes them, and UpdatePipeline is told the
    /// deploy role (`DEPLOY_ROLE_ENV`) to hand CloudFormation.
    pub(crate) fn add(self, cx: &StepContext) -> BuildStep {
        let spec = self.spec(cx);
        let id = self.id();
        let role = Role::new(
            cx.scope,
            &format!("{id}Role"),
            &ServicePrincipal::new("codebuild.amazonaws.com"),
        );
        let mut environment = BuildEnvironment::new(
            environment_type(cx.arch),
            image(cx.arch),
            self.compute_type(),
        );
        if self == Step::UpdatePipeline {
            environment = environment.environment_variables(list([BuildVariable::new(
                cx.deploy_role.arn(),
                DEPLOY_ROLE_ENV,
            )]));
        }
        let mut cfn_project = Project::new(
            BuildArtifacts::new("CODEPIPELINE"),
            role.arn(),
            environment,
            BuildSource::new("CODEPIPELINE").build_spec(spec.to_yaml()),
        )
        .description(self.description())
        .encryption_key(cx.key.arn())
        .timeout_in_minutes(self.timeout_minutes())
        .logs_config(LogsConfig::new().cloud_watch_logs(
            CloudWatchLogsConfig::new("ENABLED").group_name(cx.logs.log_group_name()),
        ));
        if spec.has_cache() {
            // The buildspec's cache paths, kept in the artifact bucket (encrypted, TLS-only),
            // which the step's role reads and writes.
            cfn_project = cfn_project.cache(ProjectCache::new("S3").location(join(
                "",
                [
                    cx.bucket.bucket_name(),
                    Value::from(format!("/{CACHE_PREFIX}/{id}")),
                ],
            )));
        }
        let project = cx.scope.scope(id).add("Resource", cfn_project);
        role.add_policy_dependent(&project);
        grant(&role, LOGS_WRITE_ACTIONS, vec![cx.logs.arn()]);
        cx.bucket.grant_read(&role, "*");
        if self == Step::Build {
            cx.bucket.grant_put(&role, "*");
        }
        BuildStep {
            project,
            role,
            spec,
        }
    }
}

/// The CodeBuild environment type of build machines of `arch`.
fn environment_type(arch: Architecture) -> &'static str {
    match arch {
        Architecture::Arm64 => "ARM_CONTAINER",
        Architecture::X86_64 => "LINUX_CONTAINER",
    }
}

/// The CodeBuild image (Amazon Linux 2023) of build machines of `arch`.
fn image(arch: Architecture) -> &'static str {
    match arch {
        Architecture::Arm64 => "aws/codebuild/amazonlinux-aarch64-standard:3.0",
        Architecture::X86_64 => "aws/codebuild/amazonlinux-x86_64-standard:5.0",
    }
}
