//! The toolkit's one error type: every message names the stack, resource,
//! file or value concerned and says what to do. A variant's message never
//! repeats its cause; [`Error::report`] adds the chain of causes, and the CLI
//! prints that once (`infra: error: …`).

use std::path::PathBuf;
use std::process::ExitStatus;

use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::types::{ChangeSetStatus, StackStatus};

use crate::deploy::session::error_message;

/// What went wrong while talking to AWS or preparing a deployment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    #[error("the change set of stack {stack} is still {} after {seconds} s; look at it in the CloudFormation console, delete it (`{change_set}`) and deploy again", .status.as_ref().map_or("without a status", ChangeSetStatus::as_str))]
    ChangeSetTimeout {
        /// The stack name.
        stack: String,
        /// The change set's name.
        change_set: String,
        /// Its status, if CloudFormation gave one.
        status: Option<ChangeSetStatus>,
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
    #[error("could not ask for confirmation")]
    Prompt(#[source] std::io::Error),
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
    #[error("the bootstrap template is invalid (a bug in infra; please report it)")]
    BootstrapTemplate(#[source] constructs::Error),

    // The app and the command line.
    /// The app's builder or one of its own commands failed (its message as it gave it).
    #[error(transparent)]
    App(AppError),
    /// An error of the construct library: the app did not synthesize (the
    /// message lists every problem), its stacks depend on each other in a
    /// cycle, or the assembly could not be written.
    #[error(transparent)]
    Constructs(#[from] constructs::Error),
    /// The async runtime could not be started.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// The current directory cannot be read.
    #[error("cannot read the current directory")]
    CurrentDir(#[source] std::io::Error),
    /// Neither the app's crate nor the current directory is in a Cargo workspace.
    #[error("cannot find the workspace root (a directory with Cargo.lock): neither '{}' (the app's crate, where this binary was built) nor '{}' is in a workspace; run from inside the app's workspace or set INFRA_SOURCE_ROOT", .crate_dir.display(), .cwd.display())]
    NoWorkspace {
        /// The app crate's directory.
        crate_dir: PathBuf,
        /// The current directory.
        cwd: PathBuf,
    },
    /// A stack named on the command line is not in the app.
    #[error("stack '{name}' is not in the app; the stacks are: {} (run 'infra list')", .known.join(", "))]
    UnknownStack {
        /// The name given.
        name: String,
        /// The app's stacks.
        known: Vec<String>,
    },
    /// A stack named on the command line is not in the assembly read (`--app`).
    #[error("stack '{name}' is not in the cloud assembly '{}'; its stacks are: {}", .dir.display(), .known.join(", "))]
    NotInAssembly {
        /// The name given.
        name: String,
        /// The assembly directory.
        dir: PathBuf,
        /// The assembly's stacks.
        known: Vec<String>,
    },
    /// The app has several stacks, and the command needs them named.
    #[error("the app has {} stacks ({}); name the stacks to use or pass --all", .known.len(), .known.join(", "))]
    StacksNotNamed {
        /// The app's stacks.
        known: Vec<String>,
    },
    /// A function named on the command line is not in the app.
    #[error("no function '{name}' in the app; the functions are: {}", list_or_none(.known))]
    UnknownFunction {
        /// The name given.
        name: String,
        /// The app's functions.
        known: Vec<String>,
    },
    /// A question needs a terminal and there is none.
    #[error("refusing to continue without a terminal to confirm on; pass {flag} to proceed")]
    NoTerminal {
        /// The option that proceeds without asking.
        flag: &'static str,
    },
    /// `destroy` was answered no.
    #[error("nothing deleted")]
    NothingDeleted,
    /// `diff --fail` found differences.
    #[error("{count} stack(s) differ from what is deployed (--fail)")]
    StacksDiffer {
        /// How many stacks differ.
        count: usize,
    },
    /// `watch` was pointed at stacks without functions.
    #[error("the selected stacks have no functions to watch")]
    NothingToWatch,
    /// A listing could not be rendered in the format asked for.
    #[error("cannot render the output as {format}")]
    Render {
        /// "JSON" or "YAML".
        format: &'static str,
        /// The serializer's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Output could not be written to standard output.
    #[error("cannot write to standard output")]
    Stdout(#[source] std::io::Error),

    // Files and the cloud assembly.
    /// A file or directory could not be read, written, created or removed.
    #[error("cannot {action} '{}'", .path.display())]
    File {
        /// What was done: "read", "write", "create", "remove", "copy", "open",
        /// "find" (a path that does not resolve).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not in the format its name or role says.
    #[error("'{}' is not valid {format}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// "JSON", "YAML" or "TOML".
        format: &'static str,
        /// The parser's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The synthesized assembly could not be written.
    #[error("cannot write the cloud assembly to '{}'", .dir.display())]
    WriteAssembly {
        /// The assembly directory.
        dir: PathBuf,
        /// The file that could not be written, and why.
        source: Box<constructs::Error>,
    },
    /// The directory is not a cloud assembly.
    #[error("'{}' is not a cloud assembly; run 'infra synth -o {}' first", .dir.display(), .dir.display())]
    NotAnAssembly {
        /// The directory given.
        dir: PathBuf,
        /// Why its manifest cannot be read.
        source: Box<Error>,
    },
    /// An entry of an assembly file lacks a field every assembly has.
    #[error("'{}': {entry} has no {field}; synthesize the app again", .file.display())]
    AssemblyField {
        /// The manifest.
        file: PathBuf,
        /// The entry ("stack artifact 'Dev-Orders'").
        entry: String,
        /// The missing field.
        field: &'static str,
    },
    /// A function asset names a platform that is no Lambda architecture.
    #[error(
        "{package} is built for '{platform}', which is no Lambda architecture (arm64, x86_64); synthesize the app again with this version of infra"
    )]
    BadArchitecture {
        /// The function's package.
        package: String,
        /// The platform recorded.
        platform: String,
    },
    /// The function sources of a crate could not be listed.
    #[error("cannot list the sources of {crate_dir}")]
    FunctionSources {
        /// The crate's directory.
        crate_dir: String,
        /// Why (boxed: a TOML error is large).
        source: Box<constructs::Error>,
    },

    // Building functions.
    /// cargo-lambda is not on the tools' `PATH`.
    #[error("cargo-lambda is not installed: run scripts/tools.sh (it installs cargo-lambda and zig into .tools/venv), or 'pip install cargo-lambda ziglang'")]
    NoCargoLambda,
    /// `cargo lambda build` could not be started.
    #[error("failed to run 'cargo lambda build'")]
    CargoLambdaNotRun(#[source] std::io::Error),
    /// `cargo lambda build` failed.
    #[error("'cargo lambda build' of {} failed ({status}); see its output above", .packages.join(", "))]
    CargoLambdaFailed {
        /// The packages it built.
        packages: Vec<String>,
        /// Its exit status.
        status: ExitStatus,
    },
    /// cargo-lambda wrote no zip for a package.
    #[error("cargo-lambda built package '{package}' but wrote no {}; each function crate must have one binary named after its package ({crate_dir}/Cargo.toml)", .zip.display())]
    NoZip {
        /// The package.
        package: String,
        /// Where the zip should be.
        zip: PathBuf,
        /// The package's crate directory.
        crate_dir: String,
    },
    /// Functions cannot be built to run on this machine.
    #[error("functions cannot be built for this machine's CPU ({arch}); Lambda runs x86_64 and arm64 only")]
    UnsupportedHost {
        /// The machine's architecture.
        arch: &'static str,
    },

    // The local engine.
    /// The local engine's interpreter is missing.
    #[error("the local AWS engine is not installed ('{}' is missing): it is LocalStack's core with the plugins of the rcdk repository's infra/local-engine (Python 3.13), which the rcdk-toolkit crate does not contain; run scripts/tools.sh in an rcdk checkout (it installs both into .tools/localstack), then set TOOLS_DIR to that .tools folder, or INFRA_LOCAL_PYTHON to its localstack/bin/python", .python.display())]
    EngineNotInstalled {
        /// The interpreter looked for.
        python: PathBuf,
    },
    /// No local engine answers.
    #[error("the local engine is not running; start it and deploy the app with 'infra local up'")]
    EngineNotRunning,
    /// The engine's port is taken.
    #[error("port {port} on 127.0.0.1 is in use by another program; stop it or pass --port to choose another")]
    PortInUse {
        /// The port.
        port: u16,
    },
    /// The engine's process could not be started.
    #[error("cannot start the local engine with {}", .python.display())]
    EngineNotStarted {
        /// Its interpreter.
        python: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The engine exited or did not answer in time.
    #[error("the local engine did not start (see {}); its last lines:\n{tail}", .log.display())]
    EngineFailed {
        /// Its log file.
        log: PathBuf,
        /// The log's last lines.
        tail: String,
    },
    /// A request to the engine's own endpoints failed.
    #[error("GET {url} {what}; check that the local engine runs ('infra local status') and read its log")]
    Http {
        /// The URL.
        url: String,
        /// What went wrong: "is not a URL", "timed out", "failed", …
        what: &'static str,
        /// The transport's, timer's or parser's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The engine answered with an error status.
    #[error("GET {url} answered {status}: {body}; check the local engine's log")]
    HttpStatus {
        /// The URL.
        url: String,
        /// The status and its reason (`404 Not Found`).
        status: String,
        /// The body, as text.
        body: String,
    },
    /// A resource the app declares is missing from the deployed stack.
    #[error("stack {stack} has no deployed {logical_id} ({name}); run 'infra local up'")]
    NotDeployed {
        /// The stack's label.
        stack: String,
        /// The resource's logical ID.
        logical_id: String,
        /// Its construct name.
        name: String,
    },
    /// A pipeline could not be read or started.
    #[error("cannot {action} pipeline '{name}' ({message}); deploy the Pipeline stack first, or pass --name")]
    Pipeline {
        /// "read" or "start".
        action: &'static str,
        /// The pipeline's name.
        name: String,
        /// The service's code and message.
        message: String,
    },

    // `infra init`.
    /// `--from-source` is not a checkout of the toolkit.
    #[error("--from-source '{}' is not a checkout of the toolkit (the rcdk repository); give the root of an rcdk checkout, the folder that holds infra/toolkit", .path.display())]
    NotACheckout {
        /// The path given.
        path: PathBuf,
        /// What is wrong with it.
        source: Box<Error>,
    },
    /// The directory to scaffold into has files.
    #[error("'{}' is not empty; give a new or empty directory to 'infra init'", .dir.display())]
    NotEmpty {
        /// The directory.
        dir: PathBuf,
    },
    /// The directory's name cannot name a package.
    #[error("'{}' has no folder name to name the app by; give a directory with a name, such as ./my-app", .dir.display())]
    NoAppName {
        /// The directory.
        dir: PathBuf,
    },
    /// A `Cargo.toml` names no package.
    #[error("'{}' has no [package] name", .path.display())]
    NoPackageName {
        /// The manifest.
        path: PathBuf,
    },
    /// A path cannot be written into a manifest.
    #[error("'{}' is not valid UTF-8", .path.display())]
    NotUtf8 {
        /// The path.
        path: PathBuf,
    },
    /// A template of `infra init` uses a placeholder it is not given.
    #[error("the template of {file} has an unknown placeholder {{{{{placeholder}}}}} (a bug in infra; please report it)")]
    Placeholder {
        /// The file the template renders.
        file: &'static str,
        /// The placeholder's name.
        placeholder: String,
    },
}

/// An error of the app's own code: its builder's and its commands'. Any
/// error type converts into it with `?` (`anyhow::Error` too, and [`Error`]).
pub type AppError = Box<dyn std::error::Error + Send + Sync>;

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}

/// A result of the deploy toolchain.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The message and each cause after it, separated by `: `: what the CLI
    /// prints ([`constructs::report`]).
    pub fn report(&self) -> String {
        constructs::report(self)
    }

    /// An error of the app's own code.
    /// (The toolkit's own errors, passed back through an app's command, stay what they are.)
    pub fn app(error: impl Into<AppError>) -> Error {
        match error.into().downcast::<Error>() {
            Ok(own) => *own,
            Err(other) => Error::App(other),
        }
    }

    /// [`Error::Parse`]: `path` is not valid `format` ("JSON", "YAML", "TOML").
    pub fn parse(
        path: &std::path::Path,
        format: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        Error::Parse {
            path: path.to_path_buf(),
            format,
            source: Box::new(source),
        }
    }

    /// A function that turns an I/O error on `path` into [`Error::File`]
    /// (`.map_err(Error::file("read", &path))`).
    pub fn file(
        action: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.to_path_buf();
        move |source| Error::File {
            action,
            path,
            source,
        }
    }

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
