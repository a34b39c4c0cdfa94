//! The AWS options of every command that talks to AWS, flattened into each:
//! they build the SDK configuration once per command.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};

use crate::deploy::session::{http_client, Session};

/// Profile, region, endpoint and retries.
#[derive(Debug, Clone, clap::Args)]
pub struct AwsArgs {
    /// Named profile of ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE, else the default chain).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region (default: AWS_REGION, else the profile's region); stacks bound to a region use theirs.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint (a local AWS-compatible server such as moto), e.g. http://127.0.0.1:5000. Default: AWS_ENDPOINT_URL, else AWS.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Retries of an AWS call after throttling or a transient error, with exponential backoff.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub retries: u32,
}

impl AwsArgs {
    /// Loads the SDK configuration (credentials, region, endpoint, retries).
    pub async fn session(&self) -> Session {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client())
            .retry_config(
                RetryConfig::standard().with_max_attempts(self.retries.saturating_add(1)),
            );
        if let Some(p) = &self.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &self.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        Session::new(loader.load().await)
    }
}

/// Where the cloud assembly comes from: synthesized now, or an existing directory.
#[derive(Debug, Clone, clap::Args)]
pub struct AssemblyArgs {
    /// Use the cloud assembly in this directory (for example a cdk.out built earlier in a pipeline) instead of synthesizing the app.
    #[arg(long, value_name = "DIR")]
    pub app: Option<std::path::PathBuf>,
    /// Where to synthesize the app when --app is not given.
    #[arg(
        short,
        long,
        value_name = "DIR",
        default_value = "cdk.out",
        conflicts_with = "app"
    )]
    pub output: std::path::PathBuf,
}

impl AssemblyArgs {
    /// The assembly directory: --app, or the app synthesized into --output.
    /// Returns the synthesized assembly too when there was one.
    pub fn prepare(
        &self,
        ctx: &super::Context,
    ) -> crate::Result<(std::path::PathBuf, Option<constructs::CloudAssembly>)> {
        if let Some(dir) = &self.app {
            return Ok((dir.clone(), None));
        }
        let assembly = ctx.synthesize()?;
        super::write_assembly(&assembly, &self.output)?;
        Ok((self.output.clone(), Some(assembly)))
    }
}
