//! `infra synth`: write the cloud assembly.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

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
    pub fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        let (app, assembly) = ctx.synthesize_app()?;
        let selected = select_stacks(&assembly, &self.stacks)?;
        assembly.write(&self.output).with_context(|| {
            format!(
                "cannot write the cloud assembly to '{}'",
                self.output.display()
            )
        })?;
        if let ([stack], false) = (selected.as_slice(), self.quiet) {
            let mut out = std::io::stdout().lock();
            out.write_all(stack.template_body.as_bytes())?;
            if !stack.template_body.ends_with('\n') {
                out.write_all(b"\n")?;
            }
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
