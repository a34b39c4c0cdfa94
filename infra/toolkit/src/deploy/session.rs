//! The AWS clients of a command, built from one `SdkConfig`, and the target
//! environment (account and region) of each stack.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudformation::config::{Credentials, SharedHttpClient};
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

use super::assembly::Stack;
use super::status::StackStatus;
use crate::error::{Error, Result};

/// The bootstrap stack's name (the AWS CDK's default).
pub const TOOLKIT_STACK: &str = "CDKToolkit";

/// An account and region to deploy to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// The account id.
    pub account: String,
    /// The region.
    pub region: String,
}

impl Environment {
    /// The staging bucket of this environment, `cdk-hnb659fds-assets-<account>-<region>`.
    pub fn staging_bucket(&self) -> String {
        constructs::staging_bucket_name(&self.account, &self.region)
    }
}

impl std::fmt::Display for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "aws://{}/{}", self.account, self.region)
    }
}

/// Where one stack deploys: its environment, and the CloudFormation and S3
/// clients of its region.
#[derive(Debug, Clone)]
pub struct StackTarget {
    /// The stack's account and region.
    pub env: Environment,
    /// CloudFormation in the stack's region.
    pub cfn: aws_sdk_cloudformation::Client,
    /// S3 in the stack's region (the staging bucket).
    pub s3: aws_sdk_s3::Client,
}

/// The SDK configuration shared by every client of a command.
#[derive(Debug, Clone)]
pub struct Session {
    config: SdkConfig,
}

/// The HTTP client of every SDK client: rustls with ring, as in the functions
/// (functions/secrets/src/sdk.rs), so there is no aws-lc C build.
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

impl Session {
    /// Wraps a loaded configuration.
    pub fn new(config: SdkConfig) -> Session {
        Session { config }
    }

    /// A session for a local AWS-compatible engine at `endpoint`: fixed test
    /// credentials (the engine accepts any), whatever the caller's profile says.
    pub async fn local(endpoint: &str, region: &str) -> Session {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client())
            .credentials_provider(Credentials::new("test", "test", None, None, "infra-local"))
            .region(Region::new(region.to_owned()))
            .endpoint_url(endpoint)
            .load()
            .await;
        Session::new(config)
    }

    /// The configured region.
    pub fn region(&self) -> Option<String> {
        self.config.region().map(|r| r.to_string())
    }

    fn config_for(&self, region: Option<&str>) -> SdkConfig {
        match region {
            Some(r) if Some(r) != self.config.region().map(|x| x.as_ref()) => self
                .config
                .to_builder()
                .region(Region::new(r.to_owned()))
                .build(),
            _ => self.config.clone(),
        }
    }

    /// A CloudFormation client for `region` (default: the configured one).
    pub fn cloudformation(&self, region: Option<&str>) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::new(&self.config_for(region))
    }

    /// An S3 client for `region`; path-style addressing when a custom endpoint is set
    /// (local endpoints do not resolve `<bucket>.<host>` names).
    pub fn s3(&self, region: Option<&str>) -> aws_sdk_s3::Client {
        let config = self.config_for(region);
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        aws_sdk_s3::Client::from_conf(s3)
    }

    /// A Lambda client for `region` (hotswapping function code).
    pub fn lambda(&self, region: Option<&str>) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config_for(region))
    }

    /// A Step Functions client for `region` (hotswapping state machine definitions).
    pub fn sfn(&self, region: Option<&str>) -> aws_sdk_sfn::Client {
        aws_sdk_sfn::Client::new(&self.config_for(region))
    }

    /// A Secrets Manager client.
    pub fn secrets_manager(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.config)
    }

    /// An SES v2 client in the configured region.
    pub fn sesv2(&self) -> aws_sdk_sesv2::Client {
        aws_sdk_sesv2::Client::new(&self.config)
    }

    /// A CodePipeline client in the configured region.
    pub fn codepipeline(&self) -> aws_sdk_codepipeline::Client {
        aws_sdk_codepipeline::Client::new(&self.config)
    }

    /// The region of a stack: its own when the app names one, else the configured one.
    pub fn region_for(&self, stack_region: Option<&str>) -> Result<String> {
        stack_region
            .map(str::to_owned)
            .or_else(|| self.region())
            .ok_or(Error::NoRegion)
    }

    /// The account and region a stack deploys to: its own when the app names
    /// them, else those of the credentials. Refuses a stack bound to another account.
    pub async fn environment(
        &self,
        account: Option<&str>,
        region: Option<&str>,
    ) -> Result<Environment> {
        let sts = aws_sdk_sts::Client::new(&self.config);
        let caller = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| Error::Identity {
                message: error_message(&e),
            })?;
        let current = caller.account().unwrap_or_default().to_owned();
        if let Some(a) = account.filter(|a| *a != current) {
            return Err(Error::WrongAccount {
                stack: a.to_owned(),
                caller: current,
            });
        }
        Ok(Environment {
            account: current,
            region: self.region_for(region)?,
        })
    }

    /// The environment of `stack` ([`Session::environment`]) and the clients
    /// of its region.
    pub async fn stack_target(&self, stack: &Stack) -> Result<StackTarget> {
        let env = self
            .environment(stack.account.as_deref(), stack.region.as_deref())
            .await?;
        Ok(StackTarget {
            cfn: self.cloudformation(Some(&env.region)),
            s3: self.s3(Some(&env.region)),
            env,
        })
    }
}

/// Whether a CloudFormation error says the stack does not exist.
pub fn is_missing_stack<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error().is_some_and(|s| {
        s.code() == Some("ValidationError")
            && s.message().is_some_and(|m| m.contains("does not exist"))
    })
}

/// The error's service message (code and message), else its display form.
pub fn error_message<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
) -> String {
    match e.as_service_error() {
        Some(s) => match (s.code(), s.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (None, Some(m)) => m.to_owned(),
            _ => aws_smithy_error(e),
        },
        None => aws_smithy_error(e),
    }
}

fn aws_smithy_error<E: std::error::Error + 'static, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A stack as CloudFormation describes it.
#[derive(Debug, Clone)]
pub struct DeployedStack {
    /// The stack status.
    pub status: StackStatus,
    /// Why it is in that status, when CloudFormation says.
    pub reason: Option<String>,
    /// Outputs, key → value, in CloudFormation's order.
    pub outputs: Vec<(String, String)>,
    /// Parameter keys.
    pub parameters: Vec<String>,
    /// Whether termination protection is on.
    pub termination_protection: bool,
}

impl DeployedStack {
    /// The `BootstrapVersion` output of a bootstrap stack, when it has one.
    pub fn bootstrap_version(&self) -> Option<u32> {
        self.outputs
            .iter()
            .find(|(k, _)| k == "BootstrapVersion")
            .and_then(|(_, v)| v.parse().ok())
    }
}

/// Describes `stack`; `None` when it does not exist.
pub async fn describe(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<Option<DeployedStack>> {
    match cfn.describe_stacks().stack_name(stack).send().await {
        Ok(out) => Ok(out.stacks().first().map(|s| DeployedStack {
            status: s
                .stack_status()
                .cloned()
                .unwrap_or_else(|| StackStatus::from("")),
            reason: s.stack_status_reason().map(str::to_owned),
            outputs: s
                .outputs()
                .iter()
                .map(|o| {
                    (
                        o.output_key().unwrap_or_default().to_owned(),
                        o.output_value().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            parameters: s
                .parameters()
                .iter()
                .filter_map(|p| p.parameter_key().map(str::to_owned))
                .collect(),
            termination_protection: s.enable_termination_protection().unwrap_or(false),
        })),
        Err(e) if is_missing_stack(&e) => Ok(None),
        Err(e) => Err(Error::aws(format!("describe stack {stack}"))(e)),
    }
}
