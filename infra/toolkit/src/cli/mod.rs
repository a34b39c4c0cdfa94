//! The command line: one module per subcommand, each a `clap::Args` struct with `run`.

mod aws;
mod bootstrap;
mod build;
mod deploy;
mod destroy;
mod diff;
mod graph;
mod list;
mod local;
mod pipeline;
mod synth;
mod target;
mod token;
mod watch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand, ValueEnum};
use constructs::{CloudAssembly, Format};

/// AWS infrastructure as typed Rust: synthesize the application's stacks into
/// a cloud assembly that this tool and the AWS CDK CLI can deploy.
#[derive(Debug, Parser)]
#[command(name = "infra", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
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

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Format {
        match f {
            OutputFormat::Json => Format::Json,
            OutputFormat::Yaml => Format::Yaml,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    Graph(graph::Graph),
    Synth(synth::Synth),
    List(list::List),
    Build(build::Build),
    Bootstrap(bootstrap::Bootstrap),
    Deploy(deploy::Deploy),
    Diff(diff::Diff),
    Destroy(destroy::Destroy),
    Token(token::Token),
    Pipeline(pipeline::Pipeline),
    Local(local::Local),
    Watch(watch::Watch),
}

impl Cli {
    /// Runs the selected command.
    pub fn run(&self) -> anyhow::Result<()> {
        match &self.command {
            Command::Synth(cmd) => cmd.run(&self.global),
            Command::List(cmd) => cmd.run(&self.global),
            Command::Build(cmd) => cmd.run(&self.global),
            Command::Bootstrap(cmd) => cmd.run(&self.global),
            Command::Deploy(cmd) => cmd.run(&self.global),
            Command::Diff(cmd) => cmd.run(&self.global),
            Command::Destroy(cmd) => cmd.run(&self.global),
            Command::Token(cmd) => cmd.run(&self.global),
            Command::Graph(cmd) => cmd.run(&self.global),
            Command::Pipeline(cmd) => cmd.run(&self.global),
            Command::Local(cmd) => cmd.run(&self.global),
            Command::Watch(cmd) => cmd.run(&self.global),
        }
    }
}

fn parse_context(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("'{s}' is not KEY=VALUE (for example: -c env=prod)")),
    }
}

impl GlobalArgs {
    /// Builds the application and synthesizes it in memory.
    fn synthesize(&self) -> anyhow::Result<CloudAssembly> {
        let context: BTreeMap<String, String> = self.context.iter().cloned().collect();
        let app = crate::app::build(context, source_root()?)?;
        Ok(app.synth(self.format.unwrap_or(OutputFormat::Json).into())?)
    }
}

/// The workspace root, which function asset paths are relative to: the
/// `INFRA_SOURCE_ROOT` variable; else the workspace this binary was built
/// from (the app crate's own location), so that `infra synth` writes the same
/// bytes from any directory; else, for a binary moved off its checkout, the
/// nearest ancestor of the current directory that holds `Cargo.lock` and
/// `functions/`.
fn source_root() -> anyhow::Result<PathBuf> {
    if let Some(root) = std::env::var_os("INFRA_SOURCE_ROOT") {
        return Ok(PathBuf::from(root));
    }
    let is_root = |dir: &Path| dir.join("Cargo.lock").is_file() && dir.join("functions").is_dir();
    // The app crate is `<workspace>/infra`.
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(env!("CARGO_MANIFEST_DIR")));
    if is_root(built_from) {
        return Ok(built_from.to_path_buf());
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    if let Some(dir) = cwd.ancestors().find(|dir| is_root(dir)) {
        return Ok(dir.to_path_buf());
    }
    bail!(
        "cannot find the workspace root (a directory with Cargo.lock and functions/): '{}' (where this binary was built) no longer has them, nor has any directory above '{}'; run from inside the repository or set INFRA_SOURCE_ROOT",
        built_from.display(),
        cwd.display()
    )
}

/// Resolves stack names given on the command line, or all stacks when none are.
fn select_stacks<'a>(
    assembly: &'a CloudAssembly,
    names: &[String],
) -> anyhow::Result<Vec<&'a constructs::StackArtifact>> {
    if names.is_empty() {
        return Ok(assembly.stacks.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            assembly.stack(name).with_context(|| {
                let known: Vec<&str> = assembly
                    .stacks
                    .iter()
                    .map(|s| s.display_name.as_str())
                    .collect();
                format!(
                    "stack '{name}' is not in the app; the stacks are: {} (run 'infra list')",
                    known.join(", ")
                )
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
        Cli::command().debug_assert();
    }

    #[test]
    fn context_values_must_be_key_value() {
        assert_eq!(parse_context("env=prod"), Ok(("env".into(), "prod".into())));
        assert_eq!(parse_context("k=a=b"), Ok(("k".into(), "a=b".into())));
        assert!(parse_context("env")
            .unwrap_err()
            .contains("'env' is not KEY=VALUE"));
        assert!(parse_context("=x").is_err());
    }
}
