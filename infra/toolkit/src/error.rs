//! The error type of the deploy toolchain: every message names the stack,
//! resource, file or value concerned and says what to do. The CLI renders it
//! once (`infra: error: …`).

use std::path::PathBuf;

use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::types::StackStatus;

use crate::deploy::session::error_message;

/// What went wrong while talking to AWS or preparing a deployment.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command-line value is not in the form its option takes.
    #[error("'{value}' is not {form} (for example: {example})")]
    BadArgument {
        /// The value given.
        value: String,
        /// The form expected (`KEY=VALUE`).
        form: &'static str,
        /// A valid use of the option.
        example: &'static str,
    },
    /// An AWS call failed; `action` says what it was for ("delete stack Dev-Orders").
    #[error("failed to {action}: {message}")]
    Aws {
        /// What the call was for.
        action: String,
        /// The service's code and message.
        message: String,
    },
    /// `sts:GetCallerIdentity` failed.
    #[error("failed to identify the caller (sts:GetCallerIdentity): {message}; check the credentials, --profile and --endpoint-url")]
    Identity {
        /// The service's code and message.
        message: String,
    },
    /// The stack is bound to another account than the credentials'.
    #[error("the stack belongs to account {stack}, but the credentials are for account {caller}; use --profile to pick credentials for {stack}")]
    WrongAccount {
        /// The stack's account.
        stack: String,
        /// The credentials' account.
        caller: String,
    },
    /// Neither the stack, the options nor the profile name a region.
    #[error("no AWS region: pass --region, set AWS_REGION, or set a region in the profile")]
    NoRegion,
    /// The environment has no reachable staging bucket.
    #[error("{env} is not bootstrapped: the staging bucket '{bucket}' is not reachable ({detail}); run 'infra bootstrap' (or 'cdk bootstrap {env}')")]
    NotBootstrapped {
        /// `aws://account/region`.
        env: String,
        /// The staging bucket's name.
        bucket: String,
        /// Why it is not reachable.
        detail: String,
    },
    /// The environment's bootstrap stack is older than the app needs.
    #[error("{env} is bootstrapped with version {version}, and this app needs version {required} or later; run 'infra bootstrap' to upgrade it")]
    OldBootstrap {
        /// `aws://account/region`.
        env: String,
        /// The deployed bootstrap version.
        version: u32,
        /// The version the app needs.
        required: u32,
    },
    /// The staging bucket refused access while publishing.
    #[error("cannot reach the staging bucket '{bucket}' ({message}); run 'infra bootstrap' for this account and region")]
    StagingBucket {
        /// The staging bucket's name.
        bucket: String,
        /// The service's code and message.
        message: String,
    },
    /// A function zip of the assembly is missing.
    #[error("asset file '{}' is missing; run 'infra build' to build the functions, or synthesize and build into this directory", .path.display())]
    AssetMissing {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An asset file of the assembly cannot be read.
    #[error("cannot read asset file '{}'", .path.display())]
    AssetUnreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The stack is in the middle of another operation.
    #[error("stack {stack} is busy ({status}); wait until the running operation ends, then deploy again")]
    StackBusy {
        /// The stack name.
        stack: String,
        /// Its status.
        status: StackStatus,
    },
    /// A stack that was never created could not be deleted before creating it again.
    #[error(
        "could not delete stack {stack} ({status}); delete it in the console and deploy again"
    )]
    NotRecreated {
        /// The stack name.
        stack: String,
        /// Its status after the deletion.
        status: StackStatus,
    },
    /// The template is too large to send inline, and the assembly has no copy to upload.
    #[error("the template of {stack} is too large to send inline and has no template asset to upload; synthesize the app again so that the assembly lists it as an asset")]
    TemplateTooLarge {
        /// The stack name.
        stack: String,
    },
    /// The deployed template is neither JSON nor YAML.
    #[error("the deployed template of stack {stack} is neither JSON nor YAML: {message}")]
    TemplateUnreadable {
        /// The stack name.
        stack: String,
        /// The YAML parser's message.
        message: String,
    },
    /// CloudFormation failed the change set.
    #[error("CloudFormation could not create the change set for stack {stack}: {reason}")]
    ChangeSetFailed {
        /// The stack name.
        stack: String,
        /// CloudFormation's reason.
        reason: String,
    },
    /// The change set was not ready in time.
    #[error("the change set of stack {stack} is still {status} after {seconds} s; look at it in the CloudFormation console, delete it (`{change_set}`) and deploy again")]
    ChangeSetTimeout {
        /// The stack name.
        stack: String,
        /// The change set's name.
        change_set: String,
        /// Its status.
        status: String,
        /// How long it was waited for.
        seconds: u64,
    },
    /// The person at the terminal said no.
    #[error("deployment of {stack} cancelled; the change set was deleted")]
    Cancelled {
        /// The stack name.
        stack: String,
    },
    /// The change needs approval and nobody can give it (the message says how to proceed).
    #[error("{0}")]
    NotApproved(String),
    /// The deployment failed; the message names the first failed resource and what happened to the stack.
    #[error("{0}")]
    DeploymentFailed(String),
    /// The stack cannot be deleted while termination protection is on.
    #[error("stack {stack} has termination protection; turn it off first: aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name {stack}")]
    TerminationProtected {
        /// The stack name.
        stack: String,
    },
    /// Deleting the stack failed.
    #[error("deleting stack {stack} failed ({status}): {what}; fix the resource (for example, empty a bucket) and run destroy again")]
    DeleteFailed {
        /// The stack name.
        stack: String,
        /// Its final status.
        status: StackStatus,
        /// The first failed resource and its reason.
        what: String,
    },
    /// A question could not be asked or answered.
    #[error("could not ask for confirmation: {0}")]
    Prompt(#[from] std::io::Error),
    /// A function did not take its hotswapped code.
    #[error("function {function} did not take the new code (s3://{bucket}/{key}): {reason}; fix the code and hotswap again, or deploy without --hotswap")]
    CodeRejected {
        /// The function's name.
        function: String,
        /// The code's bucket.
        bucket: String,
        /// The code's key.
        key: String,
        /// Lambda's reason.
        reason: String,
    },
    /// A function was still updating its code after the timeout.
    #[error("function {function} was still updating its code after {seconds} s; check it in the Lambda console")]
    CodeUpdateTimeout {
        /// The function's name.
        function: String,
        /// How long it was waited for.
        seconds: u64,
    },
    /// A change that hotswap cannot make; the message names the resource and the value.
    #[error("{0}")]
    NotHotswappable(String),
    /// The bootstrap template did not synthesize.
    #[error("the bootstrap template is invalid (a bug in infra; please report it): {0}")]
    BootstrapTemplate(#[from] constructs::SynthError),
}

/// A result of the deploy toolchain.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A function that turns an SDK error into [`Error::Aws`] for `action`
    /// (`.map_err(Error::aws(format!("delete stack {name}")))`).
    pub fn aws<E, R>(action: impl Into<String>) -> impl FnOnce(SdkError<E, R>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let action = action.into();
        move |e| Error::Aws {
            action,
            message: error_message(&e),
        }
    }
}
