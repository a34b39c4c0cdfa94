//! `infra bootstrap`: the staging bucket and version parameter deployments need.

use super::aws::AwsArgs;
use super::report::Terminal;
use super::Context;
use crate::deploy::bootstrap::{bootstrap, BucketEncryptionKind};
use crate::deploy::changeset::RequireApproval;
use crate::deploy::stack::DeployOptions;

/// Prepare an account and region for deployments: the CloudFormation stack
/// CDKToolkit with the encrypted, versioned, TLS-only staging bucket
/// cdk-hnb659fds-assets-<account>-<region> and the SSM parameter
/// /cdk-bootstrap/hnb659fds/version, with the AWS CDK's default names. Safe to
/// run again; leaves a newer bootstrap made by 'cdk bootstrap' alone. Creates
/// no IAM roles: deployments use the caller's credentials.
#[derive(Debug, clap::Args)]
pub struct Bootstrap {
    /// The environment, aws://ACCOUNT/REGION (default: the credentials' account and region).
    #[arg(value_name = "ENVIRONMENT")]
    environment: Option<String>,
    /// Default encryption of the staging bucket.
    #[arg(long, value_enum, default_value_t)]
    bucket_encryption: BucketEncryptionKind,
    #[command(flatten)]
    aws: AwsArgs,
}

impl Bootstrap {
    /// Runs the command.
    pub fn run(&self, _ctx: &Context) -> crate::Result<()> {
        let (account, region) = match &self.environment {
            Some(e) if e.starts_with("aws://") => crate::deploy::assembly::parse_environment(e),
            Some(e) => {
                return Err(crate::Error::BadArgument {
                    value: e.clone(),
                    form: "an environment (aws://ACCOUNT/REGION)",
                    example: "infra bootstrap aws://123456789012/eu-west-1",
                })
            }
            None => (None, None),
        };
        crate::deploy::runtime()?.block_on(async {
            let session = self.aws.session().await;
            if let Some(a) = &account {
                session.environment(Some(a), region.as_deref()).await?;
            }
            let opts = DeployOptions {
                require_approval: RequireApproval::Never,
                poll: std::time::Duration::from_secs(2),
                ..DeployOptions::default()
            };
            bootstrap(
                &session,
                region.as_deref(),
                self.bucket_encryption,
                &opts,
                &Terminal,
            )
            .await?;
            Ok(())
        })
    }
}
