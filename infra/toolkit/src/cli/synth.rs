//! `infra synth`: write the cloud assembly.

use std::io::Write;
use std::path::PathBuf;

use super::{select_stacks, Context};

/// Synthesize the app into a cloud assembly directory (templates, asset
/// manifests, manifest.json, tree.json). With a single stack selected and no
/// --quiet, also print that stack's template. Never compiles functions.
#[derive(Debug, clap::Args)]
pub struct Synth {
    /// Stacks to print (by name or path); all are always written.
    stacks: Vec<String>,
    /// Directory to write the cloud assembly to.
    #[arg(short, long, default_value = "cdk.out")]
    output: PathBuf,
    /// Do not print the template.
    #[arg(short, long)]
    quiet: bool,
}

impl Synth {
    /// Runs the command.
    pub fn run(&self, ctx: &Context) -> crate::Result<()> {
        let (app, assembly) = ctx.synthesize_app()?;
        let selected = select_stacks(&assembly, &self.stacks)?;
        super::write_assembly(&assembly, &self.output)?;
        if let ([stack], false) = (selected.as_slice(), self.quiet) {
            let newline = if stack.template_body.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            write!(std::io::stdout().lock(), "{}{newline}", stack.template_body)
                .map_err(crate::Error::Stdout)?;
        } else if !self.quiet {
            eprintln!(
                "Synthesized {} stack{} to {}",
                assembly.stacks.len(),
                if assembly.stacks.len() == 1 { "" } else { "s" },
                self.output.display()
            );
        }
        // The process ends next, and the system takes its memory back at once: freeing the
        // app and the assembly (about 50,000 allocations) was a tenth of a synthesis.
        std::mem::forget((app, assembly));
        Ok(())
    }
}
