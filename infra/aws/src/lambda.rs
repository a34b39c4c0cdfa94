//! Lambda: functions written in Rust, built by cargo-lambda.

mod asset;

pub use asset::{rust_function_asset, Architecture};

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use cfn::lambda::function::{
    Architectures, Code, Environment, LogFormat, LoggingConfig, Mode, Runtime, TracingConfig,
};
use cfn::lambda::{EventInvokeConfig, Function, FunctionRef, Permission};
use cfn::logs::log_group::RetentionInDays;
use constructs::value::list;
use constructs::{JsonValue, RemovalPolicy, Scope, Value};
use serde_json::json;

use crate::checkov::CheckovSkip;
use crate::iam::{
    grant, grant_or_resource, Grant, Grantable, Grantee, PolicyStatement, ResourceWithPolicy, Role,
    ServicePrincipal,
};
use crate::kms::Key;
use crate::logs::{LogGroup, LogGroupProps};
use crate::sns::Topic;

/// Invoking a function.
pub const INVOKE_ACTIONS: &[&str] = &["lambda:InvokeFunction"];
/// Sending traces to X-Ray. X-Ray has no resource-level permissions, so these
/// are granted on `*`: the only wildcard resource the library writes.
pub const XRAY_WRITE_ACTIONS: &[&str] = &["xray:PutTelemetryRecords", "xray:PutTraceSegments"];

/// How callers invoke a function, which decides where failed events go.
#[derive(Clone, Debug)]
pub enum Invocation {
    /// Callers wait for the result and receive errors (API Gateway, Step
    /// Functions tasks): no dead-letter queue is needed.
    Synchronous,
    /// Events are queued (EventBridge, SNS, S3): events that still fail after
    /// Lambda's own retries go to the dead-letter target.
    Asynchronous(DeadLetter),
}

/// Where an asynchronously invoked function's failed events go; the
/// function's role is granted what it takes to send them there.
#[derive(Clone, Debug)]
pub enum DeadLetter {
    /// An SQS queue, by ARN: the role may `sqs:SendMessage` to it. (This
    /// library has no queue construct; a queue encrypted with a customer key
    /// also needs that key granted.)
    Queue(Value<String>),
    /// An SNS topic, so that its subscribers hear of the failure: the role
    /// may publish to it and, when it is encrypted, use its key
    /// ([`Topic::grant_publish`]).
    Topic(Topic),
}

impl DeadLetter {
    /// Grants `role` the sending, and returns the target's ARN.
    fn grant_to(&self, role: &Role) -> Value<String> {
        match self {
            DeadLetter::Queue(arn) => {
                grant(role, &["sqs:SendMessage"], vec![arn.clone()]);
                arn.clone()
            }
            DeadLetter::Topic(topic) => {
                topic.grant_publish(role);
                topic.arn()
            }
        }
    }
}

/// Settings of a [`RustFunction`].
#[derive(Clone, Debug)]
pub struct RustFunctionProps {
    /// The function's crate, relative to the workspace root (`functions/orders-api`).
    pub crate_dir: String,
    /// The CPU architecture. Default: `Arm64`.
    pub architecture: Architecture,
    /// Memory in MB (128 to 10240); CPU scales with it. Default: 256.
    pub memory_size: u32,
    /// Timeout in seconds (1 to 900). Default: 10.
    pub timeout_seconds: u32,
    /// Environment variables. Default: none. Never put secrets here; read
    /// them from Secrets Manager.
    pub environment: BTreeMap<String, Value<String>>,
    /// Concurrency reserved for (and limiting) the function. Default: none,
    /// which uses the account's unreserved pool.
    pub reserved_concurrency: Option<u32>,
    /// How long the function's logs are kept. Default: 365 days.
    pub log_retention: RetentionInDays,
    /// Encrypts the logs and the environment with this key. Default: AWS-managed encryption.
    pub encryption_key: Option<Key>,
    /// How the function is invoked. Default: `Synchronous`.
    pub invocation: Invocation,
    /// What happens to the log group with the stack. Default: `Retain`.
    pub log_removal_policy: RemovalPolicy,
    /// A description. Default: none.
    pub description: Option<String>,
    /// Checkov checks the function deliberately does not meet, with the
    /// reasons the application knows (such as `CKV_AWS_117`, no VPC, for code
    /// that calls only AWS APIs), written before the construct's own skip
    /// (`CKV_AWS_116` when synchronous). Default: none.
    pub checkov_skips: Vec<CheckovSkip>,
}

impl RustFunctionProps {
    /// Defaults for the crate at `crate_dir`.
    pub fn new(crate_dir: impl Into<String>) -> Self {
        RustFunctionProps {
            crate_dir: crate_dir.into(),
            architecture: Architecture::Arm64,
            memory_size: 256,
            timeout_seconds: 10,
            environment: BTreeMap::new(),
            reserved_concurrency: None,
            log_retention: RetentionInDays::V365,
            encryption_key: None,
            invocation: Invocation::Synchronous,
            log_removal_policy: RemovalPolicy::Retain,
            description: None,
            checkov_skips: Vec::new(),
        }
    }
}

/// A Lambda function from a Rust crate: `provided.al2023`, handler
/// `bootstrap`, X-Ray tracing, JSON logs into its own log group, and a role
/// with only what grants add (plus writing its logs and traces). The function
/// carries the AWS CDK's `aws:asset:*` metadata naming its code asset, so
/// SAM CLI and LocalStack's `cdklocal` find the zip `infra build` writes.
#[derive(Clone, Debug)]
pub struct RustFunction {
    scope: Scope,
    resource: FunctionRef,
    role: Role,
    log_group: LogGroup,
    /// Grants to service principals without an id so far (their permissions' ids).
    service_grants: Rc<Cell<u32>>,
}

impl RustFunction {
    /// Adds a function under `scope`.
    pub fn new(scope: &Scope, id: &str, props: RustFunctionProps) -> RustFunction {
        let scope = scope.scope(id);
        let role = Role::new(
            &scope,
            "ServiceRole",
            &ServicePrincipal::new("lambda.amazonaws.com"),
        );
        let log_group = LogGroup::new(
            &scope,
            "LogGroup",
            LogGroupProps {
                retention: props.log_retention,
                encryption_key: props.encryption_key.clone(),
                removal_policy: props.log_removal_policy,
                log_group_name: None,
            },
        );
        log_group.grant_write(&role);
        grant(&role, XRAY_WRITE_ACTIONS, vec![Value::from("*")]);

        let code = rust_function_asset(&scope, &props.crate_dir, props.architecture);
        let asset_metadata = code.resource_metadata("Code");
        let architecture = match props.architecture {
            Architecture::Arm64 => Architectures::Arm64,
            Architecture::X86_64 => Architectures::X8664,
        };
        let mut function = Function::new(
            Code::new()
                .s3_bucket(code.bucket_name)
                .s3_key(code.object_key),
            role.arn(),
        )
        .runtime(Runtime::ProvidedAl2023)
        .handler("bootstrap")
        .architectures(list([architecture]))
        .memory_size(i64::from(props.memory_size))
        .timeout(i64::from(props.timeout_seconds))
        .tracing_config(TracingConfig::new().mode(Mode::Active))
        .logging_config(
            LoggingConfig::new()
                .log_format(LogFormat::Json)
                .log_group(log_group.log_group_name()),
        );
        if !props.environment.is_empty() {
            function = function.environment(
                Environment::new().variables(Value::Literal(props.environment.clone())),
            );
        }
        if let Some(n) = props.reserved_concurrency {
            function = function.reserved_concurrent_executions(i64::from(n));
        }
        if let Some(key) = &props.encryption_key {
            function = function.kms_key_arn(key.arn());
            key.grant_decrypt(&role);
        }
        if let Invocation::Asynchronous(dead_letter) = &props.invocation {
            function = function.dead_letter_config(
                cfn::lambda::function::DeadLetterConfig::new()
                    .target_arn(dead_letter.grant_to(&role)),
            );
        }
        if let Some(d) = &props.description {
            function = function.description(d.as_str());
        }
        let resource = scope.add("Resource", function);
        role.add_policy_dependent(&resource);
        for (key, value) in asset_metadata {
            resource.add_metadata(key, value);
        }
        let skips = checkov_skips(&props);
        if !skips.is_empty() {
            resource.add_metadata("checkov", json!({ "skip": skips }));
        }
        RustFunction {
            scope,
            resource,
            role,
            log_group,
            service_grants: Rc::default(),
        }
    }

    /// The function's ARN.
    pub fn arn(&self) -> Value<String> {
        self.resource.arn()
    }

    /// The function's name.
    pub fn function_name(&self) -> Value<String> {
        self.resource.ref_()
    }

    /// The function's execution role.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// The function's log group.
    pub fn log_group(&self) -> &LogGroup {
        &self.log_group
    }

    /// The L1 resource, as an escape hatch.
    pub fn resource(&self) -> &FunctionRef {
        &self.resource
    }

    /// Sets an environment variable.
    pub fn add_environment(&self, name: &str, value: impl Into<Value<String>>) {
        let value = value.into();
        self.resource.update(|f| {
            let env = f
                .environment
                .get_or_insert_with(|| Value::Literal(Environment::new()));
            if let Value::Literal(env) = env {
                let vars = env
                    .variables
                    .get_or_insert_with(|| Value::Literal(BTreeMap::new()));
                if let Value::Literal(vars) = vars {
                    vars.insert(name.to_owned(), value);
                }
            }
        });
    }

    /// How often Lambda retries a failed asynchronous event (0 to 2; Lambda's
    /// default is 2) before it goes to the dead-letter target. A function that
    /// reports its own failures sets 0, so a failure is not reported three times.
    pub fn set_async_retry_attempts(&self, attempts: u32) {
        if attempts > 2 {
            self.scope.add_error(format!(
                "asynchronous retry attempts must be 0 to 2, not {attempts}"
            ));
        }
        self.scope.add(
            "EventInvokeConfig",
            EventInvokeConfig::new(self.function_name(), "$LATEST")
                .maximum_retry_attempts(i64::from(attempts)),
        );
    }

    /// Lets `grantee` invoke the function: a role through its policy, a
    /// service principal (API Gateway, EventBridge, …) through an
    /// `AWS::Lambda::Permission` that names its source ARN.
    pub fn grant_invoke(&self, grantee: &(impl Grantee + ?Sized)) -> Grant {
        grant_or_resource(grantee, INVOKE_ACTIONS, vec![self.arn()], self)
    }
}

impl ResourceWithPolicy for RustFunction {
    /// One `AWS::Lambda::Permission` per action, under the principal's id.
    fn add_to_resource_policy(
        &self,
        principal: &ServicePrincipal,
        actions: &[&str],
    ) -> PolicyStatement {
        if !principal.conditions().is_empty() {
            self.scope.add_error(format!(
                "a Lambda permission takes a source ARN only, not the conditions {:?}",
                principal.conditions()
            ));
        }
        let id = principal.id().map(str::to_owned).unwrap_or_else(|| {
            let n = self.service_grants.get() + 1;
            self.service_grants.set(n);
            format!("Invoke{n}")
        });
        for (i, action) in actions.iter().enumerate() {
            let id = if i == 0 {
                id.clone()
            } else {
                format!("{id}{i}")
            };
            let mut permission = Permission::new(self.arn(), *action, principal.service().clone());
            if let Some(arn) = principal.source_arn() {
                permission = permission.source_arn(arn.clone());
            }
            self.scope.add(&id, permission);
        }
        principal.statement(actions, vec![self.arn()])
    }
}

impl Grantable for RustFunction {
    fn grant_role(&self) -> &Role {
        &self.role
    }
}

/// The caller's checkov skips, then the construct's own: a synchronously
/// invoked function has no dead-letter queue by design.
fn checkov_skips(props: &RustFunctionProps) -> Vec<JsonValue> {
    let mut skips: Vec<JsonValue> = props
        .checkov_skips
        .iter()
        .map(CheckovSkip::to_json)
        .collect();
    if matches!(props.invocation, Invocation::Synchronous) {
        skips.push(json!({
            "id": "CKV_AWS_116",
            "comment": "Invoked synchronously: errors return to the caller, a dead-letter queue would never receive events"
        }));
    }
    skips
}
