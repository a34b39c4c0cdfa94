//! A self-mutating delivery pipeline, as one construct:
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
mod stages;
mod steps;
pub mod tools;

pub use boundary::{permissions_boundary_arn, permissions_boundary_name};
pub use buildspec::{BuildSpec, Phase};
pub use perms::*;
pub use steps::BuildStep;

use aws_constructs::arn::{format_arn, ArnComponents};
use aws_constructs::iam::{
    grant, grant_statement, Condition, Grant, PolicyStatement, Role, ServicePrincipal,
};
use aws_constructs::kms::{Key, KeyProps};
use aws_constructs::lambda::Architecture;
use aws_constructs::logs::{LogGroup, LogGroupProps};
use aws_constructs::s3::{Bucket, BucketProps};
use aws_constructs::sns::{Topic, TopicProps};
use cfn::codepipeline::pipeline::{
    ArtifactStore, EncryptionKey, ExecutionMode, GitBranchFilterCriteria, GitConfiguration,
    GitPushFilter, PipelineTriggerDeclaration, PipelineType, ProviderType, Type,
};
use cfn::codepipeline::{Pipeline as CfnPipeline, PipelineRef};
use cfn::events::rule::Target;
use cfn::events::Rule;
use cfn::logs::log_group::RetentionInDays;
use constructs::value::{join, list};
use constructs::{RemovalPolicy, Scope, Value};
use serde_json::json;

use steps::{Step, StepContext};

/// The artifact holding the checked-out repository.
pub const SOURCE_ARTIFACT: &str = "Source";
/// The artifact the Build step writes: `cdk.out/` and `target/release/infra`.
pub const BUILD_ARTIFACT: &str = "Synth";

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
    /// The CodeBuild machines' architecture (and so the `infra` binary's).
    /// Default: `Arm64`, `ARM_CONTAINER` with Amazon Linux 2023
    /// `aarch64-standard:3.0`: the function zips are arm64 too, so nothing is
    /// cross-compiled. `X86_64` is `LINUX_CONTAINER` with Amazon Linux 2023
    /// `standard:5.0`; zig cross-links the arm64 zips.
    pub arch: Architecture,
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
            arch: Architecture::default(),
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

/// The ARN of every deployment of the stack `stack_name` (`stack/<name>/*`).
pub fn stack_arn(stack_name: &str) -> Value<String> {
    format_arn(&ArnComponents::new("cloudformation", "stack").name(&format!("{stack_name}/*")))
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
    let bucket = constructs::staging_bucket_template();
    format_arn(&ArnComponents::new("s3", &bucket).global().account(""))
}

/// Lets `grantee` hand each of `roles` to the service that assumes it, and
/// to no other service.
fn pass_roles(grantee: &Role, roles: &[&Role]) -> Grant {
    Grant::combine(roles.iter().map(|role| {
        grant_statement(
            grantee,
            PolicyStatement::allow(PASS_ROLE_ACTIONS.iter().copied(), [role.arn()]).condition(
                Condition::string_equals("iam:PassedToService", role.assumed_by().service()),
            ),
        )
    }))
}

/// The CodeBuild steps, in pipeline order.
const STEPS: [Step; 3] = [Step::Build, Step::UpdatePipeline, Step::Assets];

/// Where the pipeline keeps its artifacts and build logs, all under one key.
struct Storage {
    key: Key,
    bucket: Bucket,
    logs: LogGroup,
}

impl Storage {
    fn new(scope: &Scope, log_retention: RetentionInDays) -> Storage {
        let key = Key::new(
            scope,
            "ArtifactKey",
            KeyProps {
                description: Some(
                    "Pipeline artifacts, build logs and failure notifications".into(),
                ),
                removal_policy: RemovalPolicy::Retain,
            },
        );
        let bucket = Bucket::new(
            scope,
            "ArtifactBucket",
            BucketProps {
                encryption_key: Some(key.clone()),
                noncurrent_version_expiration_days: 30,
                ..BucketProps::default()
            },
        );
        let logs = LogGroup::new(
            scope,
            "BuildLogs",
            LogGroupProps {
                retention: log_retention,
                encryption_key: Some(key.clone()),
                removal_policy: RemovalPolicy::Retain,
                log_group_name: None,
            },
        );
        Storage { key, bucket, logs }
    }
}

/// The role CloudFormation assumes for the change sets: the caller's deploy
/// statements (as managed policies), the role statements under the
/// permissions boundary, and reading what the deployed resources read
/// (artifacts, and function zips in the staging bucket).
fn deploy_role(
    scope: &Scope,
    props: &PipelineProps,
    pipeline_stack: &str,
    deployed: &[&str],
    bucket: &Bucket,
) -> Role {
    let deploy_role = Role::new(
        scope,
        "DeployRole",
        &ServicePrincipal::new(CLOUDFORMATION_SERVICE),
    );
    managed::attach(
        scope,
        "DeployPolicy",
        &deploy_role,
        &props.deploy_statements,
    );
    if !props.boundary_statements.is_empty() && !deployed.is_empty() {
        boundary::add_policy(scope, pipeline_stack, &props.boundary_statements);
        for statement in boundary::role_statements(pipeline_stack, deployed, &props.role_services) {
            grant_statement(&deploy_role, statement);
        }
    }
    // Artifacts the deployed resources may read (as the AWS CDK grants its deployment role).
    bucket.grant_read(&deploy_role, "*");
    // Lambda fetches function code from the staging bucket with the caller's (CloudFormation's) permissions.
    grant(
        &deploy_role,
        STAGING_READ_ACTIONS,
        vec![join("", [staging_bucket_arn(), Value::from("/*")])],
    );
    deploy_role
}

/// UpdatePipeline runs `infra deploy` of the pipeline stack, handing
/// CloudFormation the deploy role; it (the pipeline template, when large) and
/// Assets (function zips) publish to the staging bucket.
fn grant_deploy_and_publish(
    update: &BuildStep,
    assets: &BuildStep,
    deploy_role: &Role,
    pipeline_stack: &str,
) {
    grant(
        &update.role,
        INFRA_DEPLOY_ACTIONS,
        vec![stack_arn(pipeline_stack)],
    );
    grant(
        &update.role,
        BOOTSTRAP_READ_ACTIONS,
        vec![stack_arn(TOOLKIT_STACK)],
    );
    pass_roles(&update.role, &[deploy_role]);
    let staging = staging_bucket_arn();
    for step in [update, assets] {
        grant(&step.role, STAGING_LIST_ACTIONS, vec![staging.clone()]);
        grant(
            &step.role,
            STAGING_PUBLISH_ACTIONS,
            vec![join("", [staging.clone(), Value::from("/*")])],
        );
    }
}

/// The pipeline's role: the artifacts, the connection, and running the steps.
fn pipeline_role(
    scope: &Scope,
    props: &PipelineProps,
    bucket: &Bucket,
    steps: &[&BuildStep],
) -> Role {
    let role = Role::new(
        scope,
        "Role",
        &ServicePrincipal::new("codepipeline.amazonaws.com"),
    );
    bucket.grant_read(&role, "*");
    bucket.grant_put(&role, "*");
    grant(&role, BUCKET_VERSIONING_ACTIONS, vec![bucket.arn()]);
    grant(
        &role,
        CONNECTION_USE_ACTIONS,
        vec![Value::from(props.connection_arn.clone())],
    );
    grant(
        &role,
        CODEBUILD_RUN_ACTIONS,
        steps.iter().map(|s| s.project.arn()).collect(),
    );
    role
}

/// A topic that hears of failed executions from an EventBridge rule.
fn notify_failures(
    scope: &Scope,
    id: &str,
    pipeline_stack: &str,
    key: &Key,
    pipeline: &PipelineRef,
) -> Topic {
    let topic = Topic::new(
        scope,
        "FailureTopic",
        TopicProps {
            encryption_key: Some(key.clone()),
            display_name: Some(format!("{pipeline_stack} pipeline failures")),
        },
    );
    // Named after the stack, so that the topic policy names the rule's ARN
    // without a reference and deploy roles that allow `<stack>-*` rules cover it.
    let rule_name = format!("{pipeline_stack}-{id}-Failed");
    let rule_arn = format_arn(&ArnComponents::new("events", "rule").name(&rule_name));
    scope.scope("FailureRule").add(
        "Resource",
        Rule::new()
            .name(rule_name)
            .description("Pipeline execution failed")
            .event_pattern(json!({
                "source": ["aws.codepipeline"],
                "detail-type": ["CodePipeline Pipeline Execution State Change"],
                "detail": {"state": ["FAILED"], "pipeline": [pipeline.ref_()]},
            }))
            .state(cfn::events::rule::State::Enabled)
            .targets(list([Target::new("Topic", topic.arn())])),
    );
    // The topic policy allows this rule only; the key policy allows EventBridge
    // without the rule condition (see `rcdk_aws::kms`: its KMS requests carry no
    // aws:SourceArn), so nothing else reaches the key through the topic.
    topic.grant_publish(&ServicePrincipal::new("events.amazonaws.com").with_source_arn(rule_arn));
    topic
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
        let storage = Storage::new(&scope, props.log_retention);
        let deployed: Vec<&str> = props
            .stages
            .iter()
            .flat_map(|s| s.stacks.iter().map(String::as_str))
            .collect();
        let deploy_role = deploy_role(&scope, &props, &pipeline_stack, &deployed, &storage.bucket);

        let steps = StepContext {
            scope: &scope,
            arch: props.arch,
            key: &storage.key,
            bucket: &storage.bucket,
            logs: &storage.logs,
            synth_context: props
                .synth_context
                .iter()
                .map(|(k, v)| format!(" -c {k}={v}"))
                .collect(),
            pipeline_stack: &pipeline_stack,
            deploy_role: &deploy_role,
        };
        let [build, update, assets] = STEPS.map(|step| step.add(&steps));
        grant_deploy_and_publish(&update, &assets, &deploy_role, &pipeline_stack);

        let role = pipeline_role(&scope, &props, &storage.bucket, &[&build, &update, &assets]);
        if !deployed.is_empty() {
            grant(
                &role,
                CHANGE_SET_ACTIONS,
                deployed.iter().map(|n| stack_arn(n)).collect(),
            );
            pass_roles(&role, &[&deploy_role]);
        }
        // CloudFormation updating this stack hands the projects and the pipeline their roles.
        pass_roles(&deploy_role, &[&build.role, &update.role, &assets.role]);
        pass_roles(&deploy_role, &[&role]);

        let mut stage_declarations = vec![stages::source(&props)];
        for (step, built) in STEPS.into_iter().zip([&build, &update, &assets]) {
            stage_declarations.push(stages::codebuild(step, built));
        }
        for stage in &props.stages {
            stage_declarations.push(stages::deploy(stage, &deploy_role));
        }
        let resource = scope.add(
            "Resource",
            CfnPipeline::new(list(stage_declarations), role.arn())
                .name(pipeline_name(&pipeline_stack, id))
                .pipeline_type(PipelineType::V2)
                .execution_mode(ExecutionMode::Superseded)
                .restart_execution_on_update(true)
                .artifact_store(
                    ArtifactStore::new(Type::S3, storage.bucket.bucket_name())
                        .encryption_key(EncryptionKey::new("KMS", storage.key.arn())),
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
        let topic = notify_failures(&scope, id, &pipeline_stack, &storage.key, &resource);

        Pipeline {
            resource,
            topic,
            bucket: storage.bucket,
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
