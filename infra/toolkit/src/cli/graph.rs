//! `infra graph`: the app as a Mermaid or DOT diagram.

use clap::ValueEnum;

use super::Context;

/// Print the app's resources and the edges between them (triggers,
/// invocations, grants, references) as a diagram.
#[derive(Debug, clap::Args)]
pub struct Graph {
    /// Diagram language.
    #[arg(long, value_enum, default_value_t = Language::Mermaid)]
    to: Language,
    /// Also draw KMS keys and log groups.
    #[arg(long)]
    all: bool,
}

/// The diagram languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Language {
    /// Mermaid flowchart (renders on GitHub).
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

impl Graph {
    /// Runs the command.
    pub fn run(&self, ctx: &Context) -> crate::Result<()> {
        let assembly = ctx.synthesize()?;
        let graph = crate::graph::build(&assembly.stacks, self.all);
        print!(
            "{}",
            match self.to {
                Language::Mermaid => graph.to_mermaid(),
                Language::Dot => graph.to_dot(),
            }
        );
        Ok(())
    }
}
