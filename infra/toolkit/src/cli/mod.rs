//! The command line: one module per subcommand, each a `clap::Args` struct
//! with `run(&self, ctx: &Context)`. [`Cli`] is generic over the commands an
//! app adds ([`Commands`], the extension point); [`crate::Toolkit`] parses and
//! runs it.

pub mod aws;
mod bootstrap;
mod build;
mod deploy;
mod destroy;
mod diff;
mod graph;
mod init;
mod list;
mod local;
pub mod pipeline;
mod report;
mod synth;
mod target;
mod watch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use constructs::{App, CloudAssembly, Format};

use crate::{AppError, Error, Result};

pub use aws::AwsArgs;

/// AWS infrastructure as typed Rust: synthesize the application's stacks into
/// a cloud assembly that this tool and the AWS CDK CLI can deploy.
#[derive(Debug, Parser)]
#[command(name = "infra", version, propagate_version = true)]
pub struct Cli<E: Commands> {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command<E>,
}

/// Commands an app adds to the toolkit's own (the extension point): a
/// `clap::Subcommand` enum whose variants become subcommands beside `synth`,
/// `deploy`…, run with the same [`Context`] as those (the `-c` values, the
/// output format, the synthesized app). Commands that talk to AWS flatten
/// [`AwsArgs`] into their arguments, as the toolkit's do.
pub trait Commands: Subcommand + std::fmt::Debug {
    /// Runs the selected command. Errors of any type convert into
    /// [`AppError`] with `?`, the toolkit's own too.
    fn run(&self, ctx: &Context) -> Result<(), AppError>;
}

/// No commands beyond the toolkit's: the default of [`crate::Toolkit`].
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum NoCommands {}

impl Commands for NoCommands {
    fn run(&self, _ctx: &Context) -> Result<(), AppError> {
        match *self {}
    }
}

/// What builds the app: the `-c` values and the source root in, the app out.
pub type BuildApp = dyn Fn(BTreeMap<String, String>, PathBuf) -> Result<App>;

/// The app as the toolkit knows it: how to build it and where its crate is.
pub(crate) struct AppSpec {
    pub(crate) build: Box<BuildApp>,
    pub(crate) crate_dir: PathBuf,
}

/// What every command runs with: the global options and the app.
pub struct Context<'a> {
    global: &'a GlobalArgs,
    app: &'a AppSpec,
}

/// Options every command takes.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Context value for the app, as key=value (repeatable), e.g. `-c env=prod`.
    #[arg(short = 'c', long = "context", global = true, value_name = "KEY=VALUE", value_parser = parse_context)]
    context: Vec<(String, String)>,
    /// Output format: of templates written and printed (default json), and of
    /// listings (default: a text table).
    #[arg(long, global = true, value_enum)]
    format: Option<OutputFormat>,
}

/// Template serialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// JSON (what CloudFormation tools and the AWS CDK CLI read).
    Json,
    /// YAML.
    Yaml,
}

impl OutputFormat {
    /// `value` as pretty JSON or as YAML, ending in a newline.
    pub fn render<T: serde::Serialize>(self, value: &T) -> Result<String> {
        match self {
            OutputFormat::Json => serde_json::to_string_pretty(value)
                .map(|text| text + "\n")
                .map_err(|e| Error::Render {
                    format: "JSON",
                    source: e.into(),
                }),
            OutputFormat::Yaml => serde_yaml::to_string(value).map_err(|e| Error::Render {
                format: "YAML",
                source: e.into(),
            }),
        }
    }
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Format {
        match f {
            OutputFormat::Json => Format::Json,
            OutputFormat::Yaml => Format::Yaml,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command<E: Commands> {
    Graph(graph::Graph),
    Synth(synth::Synth),
    List(list::List),
    Build(build::Build),
    Bootstrap(bootstrap::Bootstrap),
    Deploy(deploy::Deploy),
    Diff(diff::Diff),
    Destroy(destroy::Destroy),
    Local(local::Local),
    Watch(watch::Watch),
    Init(init::Init),
    #[command(flatten)]
    App(E),
}

impl<E: Commands> Cli<E> {
    /// Runs the selected command for `app`.
    pub(crate) fn run(&self, app: &AppSpec) -> Result<()> {
        let ctx = &Context {
            global: &self.global,
            app,
        };
        match &self.command {
            Command::Synth(cmd) => cmd.run(ctx),
            Command::List(cmd) => cmd.run(ctx),
            Command::Build(cmd) => cmd.run(ctx),
            Command::Bootstrap(cmd) => cmd.run(ctx),
            Command::Deploy(cmd) => cmd.run(ctx),
            Command::Diff(cmd) => cmd.run(ctx),
            Command::Destroy(cmd) => cmd.run(ctx),
            Command::Graph(cmd) => cmd.run(ctx),
            Command::Local(cmd) => cmd.run(ctx),
            Command::Watch(cmd) => cmd.run(ctx),
            Command::Init(cmd) => cmd.run(),
            Command::App(cmd) => cmd.run(ctx).map_err(Error::app),
        }
    }
}

fn parse_context(s: &str) -> Result<(String, String)> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(Error::BadArgument {
            value: s.to_owned(),
            form: "KEY=VALUE",
            example: "-c env=prod",
        }),
    }
}

impl Context<'_> {
    /// The `-c` values.
    pub fn values(&self) -> BTreeMap<String, String> {
        self.global.context.iter().cloned().collect()
    }

    /// The `--format` chosen, if any.
    pub fn format(&self) -> Option<OutputFormat> {
        self.global.format
    }

    /// Builds the application and synthesizes it in memory.
    pub fn synthesize(&self) -> Result<CloudAssembly> {
        Ok(self.synthesize_app()?.1)
    }

    /// [`Context::synthesize`], returning the app as well.
    pub fn synthesize_app(&self) -> Result<(App, CloudAssembly)> {
        let app = (self.app.build)(self.values(), self.source_root()?)?;
        let assembly = app.synth(self.format().unwrap_or(OutputFormat::Json).into())?;
        Ok((app, assembly))
    }

    /// The workspace root, which function asset paths are relative to: the
    /// `INFRA_SOURCE_ROOT` variable; else the workspace of the app's crate
    /// (the nearest directory at or above it with a `Cargo.lock`), so that
    /// `infra synth` writes the same bytes from any directory; else, for a
    /// binary moved off its checkout, the nearest such directory at or above
    /// the current one.
    pub fn source_root(&self) -> Result<PathBuf> {
        if let Some(root) = std::env::var_os("INFRA_SOURCE_ROOT") {
            return Ok(PathBuf::from(root));
        }
        let cwd = std::env::current_dir().map_err(Error::CurrentDir)?;
        workspace_root(&self.app.crate_dir, &cwd)
    }
}

/// Writes `assembly` into `dir`, replacing what was there.
fn write_assembly(assembly: &CloudAssembly, dir: &Path) -> Result<()> {
    assembly.write(dir).map_err(|source| Error::WriteAssembly {
        dir: dir.to_path_buf(),
        source: Box::new(source),
    })
}

/// The nearest directory at or above `crate_dir`, else at or above `cwd`,
/// that holds a `Cargo.lock`.
fn workspace_root(crate_dir: &Path, cwd: &Path) -> Result<PathBuf> {
    let is_root = |dir: &&Path| dir.join("Cargo.lock").is_file();
    if let Some(dir) = crate_dir.ancestors().find(is_root) {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = cwd.ancestors().find(is_root) {
        return Ok(dir.to_path_buf());
    }
    Err(Error::NoWorkspace {
        crate_dir: crate_dir.to_path_buf(),
        cwd: cwd.to_path_buf(),
    })
}

/// Resolves stack names given on the command line, or all stacks when none are.
fn select_stacks<'a>(
    assembly: &'a CloudAssembly,
    names: &[String],
) -> Result<Vec<&'a constructs::StackArtifact>> {
    if names.is_empty() {
        return Ok(assembly.stacks.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            assembly.stack(name).ok_or_else(|| Error::UnknownStack {
                name: name.clone(),
                known: assembly
                    .stacks
                    .iter()
                    .map(|s| s.display_name.clone())
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        Cli::<NoCommands>::command().debug_assert();
    }

    #[test]
    fn the_workspace_is_found_above_the_crate_then_above_the_current_directory() {
        let dir = tempfile::tempdir().unwrap();
        let (app, other) = (dir.path().join("app"), dir.path().join("other"));
        std::fs::create_dir_all(app.join("crate/src")).unwrap();
        std::fs::create_dir_all(other.join("sub")).unwrap();
        std::fs::write(app.join("Cargo.lock"), "").unwrap();
        std::fs::write(other.join("Cargo.lock"), "").unwrap();
        let found = workspace_root(&app.join("crate"), &other.join("sub")).unwrap();
        assert_eq!(found, app, "the app's own workspace, wherever it runs");
        let moved = workspace_root(&dir.path().join("gone/crate"), &other.join("sub")).unwrap();
        assert_eq!(moved, other, "the current directory's, for a moved binary");
        let err = workspace_root(&dir.path().join("gone"), dir.path()).unwrap_err();
        assert!(err.to_string().contains("set INFRA_SOURCE_ROOT"), "{err}");
    }

    #[test]
    fn context_values_must_be_key_value() {
        assert_eq!(
            parse_context("env=prod").ok(),
            Some(("env".into(), "prod".into()))
        );
        assert_eq!(
            parse_context("k=a=b").ok(),
            Some(("k".into(), "a=b".into()))
        );
        assert!(parse_context("env")
            .unwrap_err()
            .to_string()
            .contains("'env' is not KEY=VALUE"));
        assert!(parse_context("=x").is_err());
    }
}
