//! A self-mutating delivery pipeline (DESIGN.md item 6), as one construct:
//!
//! ```text
//! Source (GitHub, CodeStar connection)
//!   └─► Build (CodeBuild: cargo-lambda builds every function, infra synth)
//!         └─► UpdatePipeline (CodeBuild: infra deploy <pipeline stack>)
//!               └─► Assets (CodeBuild: infra deploy of the assets to the staging bucket)
//!                     └─► <Stage> per deploy stage: [Approve] then, per stack in
//!                         dependency order, CHANGE_SET_REPLACE and CHANGE_SET_EXECUTE
//! ```
//!
//! **Self-mutation.** The pipeline has `RestartExecutionOnUpdate: true`: when
//! UpdatePipeline's `infra deploy` changed the pipeline's definition,
//! CodePipeline starts a new execution on the new definition with the same
//! source revision, and later stages of the old execution do not run.
//!
//! **Roles.** Every role gets explicit actions on explicit ARNs. The only
//! `Resource: "*"` is `kms:CreateKey` in the CloudFormation deploy role: the
//! action has no resource-level permissions (the key does not exist yet).
//! The roles of the deployed stacks carry the permissions boundary this
//! construct defines, and the deploy role may create and change roles only
//! with it (see [`boundary`]).
//!
//! **Build tools.** The Build step installs pinned versions, each checked
//! against a pinned hash, and builds with `--locked` (see [`tools`]).

pub mod boundary;
pub mod buildspec;
mod managed;
mod perms;
pub mod tools;

pub use boundary::{permissions_boundary_arn, permissions_boundary_name};
pub use buildspec::{BuildSpec, Phase};
pub use perms::*;

use aws_constructs::iam::{grant, PolicyStatement, Role};
use aws_constructs::kms::{Key, KeyProps};
use aws_constructs::logs::{LogGroup, LogGroupProps};
use aws_constructs::s3::{Bucket, BucketProps};
use aws_constructs::sns::{Topic, TopicProps};
use cfn::codebuild::project::{
    Artifacts as BuildArtifacts, CloudWatchLogsConfig, Environment as BuildEnvironment,
    EnvironmentVariable as BuildVariable, LogsConfig, ProjectCache, Source as BuildSource,
};
use cfn::codebuild::{Project, ProjectRef};
use cfn::codepipeline::pipeline::{
    ActionDeclaration, ActionTypeId, ArtifactStore, Category, EncryptionKey, ExecutionMode,
    GitBranchFilterCriteria, GitConfiguration, GitPushFilter, InputArtifact, OutputArtifact,
    PipelineTriggerDeclaration, PipelineType, ProviderType, StageDeclaration, Type,
};
use cfn::codepipeline::{Pipeline as CfnPipeline, PipelineRef};
use cfn::events::rule::Target;
use cfn::events::Rule;
use cfn::logs::log_group::RetentionInDays;
use constructs::value::{join, list, sub};
use constructs::{RemovalPolicy, Scope, Value};
use serde_json::json;

/// The artifact holding the checked-out repository.
pub const SOURCE_ARTIFACT: &str = "Source";
/// The artifact the Build step writes: `cdk.out/` and `target/release/infra`.
pub const BUILD_ARTIFACT: &str = "Synth";

/// The CPU architecture of the CodeBuild machines (and so of the `infra` binary they build).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BuildArch {
    /// `ARM_CONTAINER` with Amazon Linux 2023 `aarch64-standard:3.0` (default): the
    /// function zips are arm64 too, so nothing is cross-compiled.
    #[default]
    Arm64,
    /// `LINUX_CONTAINER` with Amazon Linux 2023 `standard:5.0`; zig cross-links the arm64 zips.
    X86_64,
}

impl BuildArch {
    fn environment_type(self) -> &'static str {
        match self {
            BuildArch::Arm64 => "ARM_CONTAINER",
            BuildArch::X86_64 => "LINUX_CONTAINER",
        }
    }

    fn image(self) -> &'static str {
        match self {
            BuildArch::Arm64 => "aws/codebuild/amazonlinux-aarch64-standard:3.0",
            BuildArch::X86_64 => "aws/codebuild/amazonlinux-x86_64-standard:5.0",
        }
    }
}

/// A stage that deploys stacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployStage {
    /// The pipeline stage's name, such as `Dev`.
    pub name: String,
    /// CloudFormation stack names, in deployment order; each template is
    /// `cdk.out/<name>.template.json` in the build artifact.
    pub stacks: Vec<String>,
    /// Whether a person must approve before the first change set runs. Default: no.
    pub manual_approval: bool,
}

/// What the pipeline builds and where it deploys.
#[derive(Clone, Debug)]
pub struct PipelineProps {
    /// ARN of the CodeStar connection to GitHub (created by hand, once: see the README).
    pub connection_arn: String,
    /// GitHub repository, `owner/name`.
    pub repository: String,
    /// Branch whose pushes run the pipeline. Default: `main`.
    pub branch: String,
    /// Context values passed to `infra synth` in the Build step (`-c key=value`),
    /// so the pipeline synthesizes the app it was itself synthesized from.
    pub synth_context: Vec<(String, String)>,
    /// The deploy stages, in order.
    pub stages: Vec<DeployStage>,
    /// Build machines' architecture. Default: arm64.
    pub arch: BuildArch,
    /// Policy of the CloudFormation deploy role (assumed by CloudFormation to
    /// create the stacks' resources), except for IAM roles, written as managed
    /// policies `DeployPolicy1`, `DeployPolicy2`, … (a role's inline policies
    /// are limited to 10,240 characters in all); the pipeline adds the role
    /// statements (see `boundary_statements`) and what it needs for its own
    /// stack to the role's own policy. Default: none.
    pub deploy_statements: Vec<PolicyStatement>,
    /// The permissions boundary of the deployed stacks' roles: the most they
    /// may do. The pipeline stack defines it as the managed policy
    /// [`permissions_boundary_name`]; every role of the deployed stacks must
    /// name it as `PermissionsBoundary`, or the deploy role may not create it.
    /// Default: none, and then the deploy role may create no roles.
    pub boundary_statements: Vec<PolicyStatement>,
    /// The service principals the deployed stacks' roles are for (such as
    /// `lambda.amazonaws.com`): the deploy role may pass those roles to these
    /// services only. Default: none.
    pub role_services: Vec<String>,
    /// Build log retention. Default: 90 days.
    pub log_retention: RetentionInDays,
}

impl PipelineProps {
    /// Props with the defaults above.
    pub fn new(connection_arn: impl Into<String>, repository: impl Into<String>) -> PipelineProps {
        PipelineProps {
            connection_arn: connection_arn.into(),
            repository: repository.into(),
            branch: "main".into(),
            synth_context: Vec::new(),
            stages: Vec::new(),
            arch: BuildArch::default(),
            deploy_statements: Vec::new(),
            boundary_statements: Vec::new(),
            role_services: Vec::new(),
            log_retention: RetentionInDays::V90,
        }
    }
}

/// The pipeline and the resources around it.
#[derive(Clone, Debug)]
pub struct Pipeline {
    resource: PipelineRef,
    topic: Topic,
    bucket: Bucket,
    deploy_role: Role,
    build: BuildStep,
    update: BuildStep,
    assets: BuildStep,
}

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

/// `arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/<name>/*`.
pub fn stack_arn(stack_name: &str) -> Value<String> {
    sub(format!(
        "arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{stack_name}/*"
    ))
}

/// The pipeline's name: `<stack name>-<construct id>` (such as `Pipeline-Delivery`),
/// fixed so that `infra pipeline status` can find it and the deploy role's
/// `codepipeline:` permissions can name it by the stack's prefix.
pub fn pipeline_name(stack_name: &str, id: &str) -> String {
    format!("{stack_name}-{id}")
}

/// Key prefix of the CodeBuild caches in the artifact bucket.
pub const CACHE_PREFIX: &str = "codebuild-cache";

/// The name of the bootstrap stack (AWS CDK compatible).
pub const TOOLKIT_STACK: &str = "CDKToolkit";
/// The service principal that assumes the deploy role.
const CLOUDFORMATION_SERVICE: &str = "cloudformation.amazonaws.com";
/// The CodeBuild variable holding the deploy role's ARN.
pub const DEPLOY_ROLE_ENV: &str = "DEPLOY_ROLE_ARN";

/// The ARN of the bootstrap staging bucket ([`constructs::staging_bucket_name`]).
pub fn staging_bucket_arn() -> Value<String> {
    sub(format!(
        "arn:${{AWS::Partition}}:s3:::{}",
        constructs::staging_bucket_template()
    ))
}

/// Lets `grantee` hand `roles` to `service`, and to no other service.
fn pass_roles(grantee: &Role, roles: &[&Role], service: &str) {
    grantee.add_to_policy(
        PolicyStatement::allow(
            PASS_ROLE_ACTIONS.iter().copied(),
            roles.iter().map(|r| r.arn()),
        )
        .condition("StringEquals", "iam:PassedToService", json!(service)),
    );
}

impl Pipeline {
    /// Adds the pipeline under `scope`, which must be inside a stack: that
    /// stack is the one UpdatePipeline deploys.
    pub fn new(scope: &Scope, id: &str, props: PipelineProps) -> Pipeline {
        let scope = scope.scope(id);
        let pipeline_stack = scope.stack().map(|s| s.stack_name()).unwrap_or_default();
        if !props.repository.contains('/') {
            scope.add_error(format!(
                "repository must be 'owner/name': '{}'",
                props.repository
            ));
        }

        let key = Key::new(
            &scope,
            "ArtifactKey",
            KeyProps {
                description: Some(
                    "Pipeline artifacts, build logs and failure notifications".into(),
                ),
                removal_policy: RemovalPolicy::Retain,
            },
        );
        let bucket = Bucket::new(
            &scope,
            "ArtifactBucket",
            BucketProps {
                encryption_key: Some(key.clone()),
                noncurrent_version_expiration_days: 30,
                ..BucketProps::default()
            },
        );
        let logs = LogGroup::new(
            &scope,
            "BuildLogs",
            LogGroupProps {
                retention: props.log_retention,
                encryption_key: Some(key.clone()),
                removal_policy: RemovalPolicy::Retain,
                log_group_name: None,
            },
        );

        let deploy_role = Role::new(&scope, "DeployRole", "cloudformation.amazonaws.com");
        managed::attach(
            &scope,
            "DeployPolicy",
            &deploy_role,
            &props.deploy_statements,
        );
        let deployed: Vec<&str> = props
            .stages
            .iter()
            .flat_map(|s| s.stacks.iter().map(String::as_str))
            .collect();
        if !props.boundary_statements.is_empty() && !deployed.is_empty() {
            boundary::add_policy(&scope, &pipeline_stack, &props.boundary_statements);
            for statement in
                boundary::role_statements(&pipeline_stack, &deployed, &props.role_services)
            {
                deploy_role.add_to_policy(statement);
            }
        }
        // Artifacts the deployed resources may read (as the AWS CDK grants its deployment role).
        bucket.grant_read(&deploy_role);
        // Lambda fetches function code from the staging bucket with the caller's (CloudFormation's) permissions.
        grant(
            &deploy_role,
            STAGING_READ_ACTIONS,
            vec![join("", [staging_bucket_arn(), Value::from("/*")])],
        );

        let context: String = props
            .synth_context
            .iter()
            .map(|(k, v)| format!(" -c {k}={v}"))
            .collect();
        let build_spec = BuildSpec::new()
            .env("CARGO_TERM_COLOR", "never")
            .commands(Phase::Install, tools::install_commands(props.arch))
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
            .cache_paths(["/root/.cargo/registry/**/*", "target/**/*"]);
        // CloudFormation updates the pipeline stack with the deploy role, as
        // it deploys the app's stacks: this step's role only drives the change set.
        let update_spec = BuildSpec::new().commands(
            Phase::Build,
            [
                // Zip artifacts do not always keep the executable bit.
                "chmod +x target/release/infra".to_owned(),
                format!(
                "./target/release/infra deploy {pipeline_stack} --app cdk.out --require-approval never --role-arn \"${DEPLOY_ROLE_ENV}\""
            ),
            ],
        );
        let assets_spec = BuildSpec::new().commands(
            Phase::Build,
            [
                "chmod +x target/release/infra",
                "./target/release/infra pipeline publish --app cdk.out",
            ],
        );

        let step = |id: &str, description: &str, spec: BuildSpec| -> BuildStep {
            let role = Role::new(&scope, &format!("{id}Role"), "codebuild.amazonaws.com");
            let mut environment = BuildEnvironment::new(
                props.arch.environment_type(),
                props.arch.image(),
                if id == "Build" {
                    "BUILD_GENERAL1_LARGE"
                } else {
                    "BUILD_GENERAL1_SMALL"
                },
            );
            if id == "UpdatePipeline" {
                environment = environment.environment_variables(list([BuildVariable::new(
                    deploy_role.arn(),
                    DEPLOY_ROLE_ENV,
                )]));
            }
            let mut cfn_project = Project::new(
                BuildArtifacts::new("CODEPIPELINE"),
                role.arn(),
                environment,
                BuildSource::new("CODEPIPELINE").build_spec(spec.to_yaml()),
            )
            .description(description)
            .encryption_key(key.arn())
            .timeout_in_minutes(if id == "Build" { 60 } else { 20 })
            .logs_config(LogsConfig::new().cloud_watch_logs(
                CloudWatchLogsConfig::new("ENABLED").group_name(logs.log_group_name()),
            ));
            if spec.has_cache() {
                // The buildspec's cache paths, kept in the artifact bucket (encrypted, TLS-only),
                // which the step's role reads and writes.
                cfn_project = cfn_project.cache(ProjectCache::new("S3").location(join(
                    "",
                    [
                        bucket.bucket_name(),
                        Value::from(format!("/{CACHE_PREFIX}/{id}")),
                    ],
                )));
            }
            let project = scope.scope(id).add("Resource", cfn_project);
            role.add_policy_dependent(&project);
            grant(&role, LOGS_WRITE_ACTIONS, vec![logs.arn()]);
            bucket.grant_read(&role);
            BuildStep {
                project,
                role,
                spec,
            }
        };
        let build = step(
            "Build",
            "Builds the functions with cargo-lambda and synthesizes the app",
            build_spec,
        );
        bucket.grant_put(&build.role);
        let update = step(
            "UpdatePipeline",
            "Deploys the pipeline's own stack from the synthesized assembly",
            update_spec,
        );
        let assets = step(
            "Assets",
            "Publishes the function zips to the CDK staging bucket",
            assets_spec,
        );

        // UpdatePipeline: `infra deploy` of the pipeline stack, handing CloudFormation the deploy role.
        let staging = staging_bucket_arn();
        grant(
            &update.role,
            INFRA_DEPLOY_ACTIONS,
            vec![stack_arn(&pipeline_stack)],
        );
        grant(
            &update.role,
            BOOTSTRAP_READ_ACTIONS,
            vec![stack_arn(TOOLKIT_STACK)],
        );
        pass_roles(&update.role, &[&deploy_role], CLOUDFORMATION_SERVICE);
        // UpdatePipeline (the pipeline template, when large) and Assets (function zips) publish to staging.
        for step in [&update, &assets] {
            grant(&step.role, STAGING_LIST_ACTIONS, vec![staging.clone()]);
            grant(
                &step.role,
                STAGING_PUBLISH_ACTIONS,
                vec![join("", [staging.clone(), Value::from("/*")])],
            );
        }

        // ---- the pipeline role ----
        let role = Role::new(&scope, "Role", "codepipeline.amazonaws.com");
        bucket.grant_read(&role);
        bucket.grant_put(&role);
        grant(&role, BUCKET_VERSIONING_ACTIONS, vec![bucket.arn()]);
        grant(
            &role,
            CONNECTION_USE_ACTIONS,
            vec![Value::from(props.connection_arn.clone())],
        );
        grant(
            &role,
            CODEBUILD_RUN_ACTIONS,
            vec![
                build.project.arn(),
                update.project.arn(),
                assets.project.arn(),
            ],
        );
        let deployed: Vec<Value<String>> = deployed.iter().map(|n| stack_arn(n)).collect();
        if !deployed.is_empty() {
            grant(&role, CHANGE_SET_ACTIONS, deployed);
            pass_roles(&role, &[&deploy_role], CLOUDFORMATION_SERVICE);
        }
        // CloudFormation updating this stack hands the projects and the pipeline their roles.
        pass_roles(
            &deploy_role,
            &[&build.role, &update.role, &assets.role],
            "codebuild.amazonaws.com",
        );
        pass_roles(&deploy_role, &[&role], "codepipeline.amazonaws.com");

        // ---- stages ----
        let action = |category: Category, owner: &str, provider: &str, name: &str| {
            ActionDeclaration::new(ActionTypeId::new(owner, category, "1", provider), name)
        };
        let codebuild = |name: &str, project: &ProjectRef, output: Option<&str>| {
            let mut a = action(Category::Build, "AWS", "CodeBuild", name)
                .configuration(json!({ "ProjectName": project.ref_() }))
                .input_artifacts(list([InputArtifact::new(if output.is_some() {
                    SOURCE_ARTIFACT
                } else {
                    BUILD_ARTIFACT
                })]))
                .run_order(1);
            if let Some(out) = output {
                a = a.output_artifacts(list([OutputArtifact::new(out)]));
            }
            a
        };
        let mut stages = vec![
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
            ),
            StageDeclaration::new(
                list([codebuild("Synth", &build.project, Some(BUILD_ARTIFACT))]),
                "Build",
            ),
            StageDeclaration::new(
                list([codebuild("SelfMutate", &update.project, None)]),
                "UpdatePipeline",
            ),
            StageDeclaration::new(
                list([codebuild("Publish", &assets.project, None)]),
                "Assets",
            ),
        ];
        for stage in &props.stages {
            let mut actions = Vec::new();
            let mut order = 1;
            if stage.manual_approval {
                actions
                    .push(action(Category::Approval, "AWS", "Manual", "Approve").run_order(order));
                order += 1;
            }
            for stack in &stage.stacks {
                let change_set = format!("{stack}-pipeline");
                actions.push(
                    action(Category::Deploy, "AWS", "CloudFormation", &format!("{stack}.Prepare"))
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
            stages.push(StageDeclaration::new(list(actions), stage.name.as_str()));
        }

        let resource = scope.add(
            "Resource",
            CfnPipeline::new(list(stages), role.arn())
                .name(pipeline_name(&pipeline_stack, id))
                .pipeline_type(PipelineType::V2)
                .execution_mode(ExecutionMode::Superseded)
                .restart_execution_on_update(true)
                .artifact_store(
                    ArtifactStore::new(Type::S3, bucket.bucket_name())
                        .encryption_key(EncryptionKey::new("KMS", key.arn())),
                )
                .triggers(list([PipelineTriggerDeclaration::new(
                    ProviderType::CodeStarSourceConnection,
                )
                .git_configuration(GitConfiguration::new("GitHub").push(list([
                    GitPushFilter::new().branches(
                        GitBranchFilterCriteria::new().includes(list([props.branch.clone()])),
                    ),
                ])))])),
        );
        role.add_policy_dependent(&resource);

        // ---- failure notification ----
        let topic = Topic::new(
            &scope,
            "FailureTopic",
            TopicProps {
                encryption_key: Some(key.clone()),
                display_name: Some(format!("{pipeline_stack} pipeline failures")),
            },
        );
        // Named, so that the key policy can name the rule's ARN without a
        // reference (the key → rule → pipeline → role policy → key cycle).
        let rule_name = format!("{pipeline_stack}-{id}-Failed");
        let rule_arn = sub(format!(
            "arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{rule_name}"
        ));
        scope.scope("FailureRule").add(
            "Resource",
            Rule::new()
                .name(rule_name)
                .description("Pipeline execution failed")
                .event_pattern(json!({
                    "source": ["aws.codepipeline"],
                    "detail-type": ["CodePipeline Pipeline Execution State Change"],
                    "detail": {"state": ["FAILED"], "pipeline": [resource.ref_()]},
                }))
                .state(cfn::events::rule::State::Enabled)
                .targets(list([Target::new("Topic", topic.arn())])),
        );
        topic.allow_service_publish("events.amazonaws.com", rule_arn.clone());
        // No condition on the key: when EventBridge delivers to an encrypted topic, the KMS
        // request carries neither aws:SourceArn nor aws:SourceAccount (the EventBridge user
        // guide says they are not supported there), so a condition would drop every
        // notification silently. The topic policy above keeps the rule condition: only
        // this rule may publish, and nothing else reaches the key through the topic.
        key.allow_service(
            Value::from("events.amazonaws.com"),
            aws_constructs::kms::GENERATE_DATA_KEY_ACTIONS,
            None,
        );

        Pipeline {
            resource,
            topic,
            bucket,
            deploy_role,
            build,
            update,
            assets,
        }
    }

    /// The pipeline's name.
    pub fn pipeline_name(&self) -> Value<String> {
        self.resource.ref_()
    }

    /// The topic failed executions are published to.
    pub fn failure_topic(&self) -> &Topic {
        &self.topic
    }

    /// The artifact bucket.
    pub fn artifact_bucket(&self) -> &Bucket {
        &self.bucket
    }

    /// The role CloudFormation assumes for the change sets.
    pub fn deploy_role(&self) -> &Role {
        &self.deploy_role
    }

    /// The Build, UpdatePipeline and Assets steps.
    pub fn steps(&self) -> [&BuildStep; 3] {
        [&self.build, &self.update, &self.assets]
    }
}
