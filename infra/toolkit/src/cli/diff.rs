//! `infra diff`: the synthesized templates against the deployed ones.

use super::aws::{AssemblyArgs, AwsArgs};
use super::Context;
use crate::deploy::assembly::{dependency_order, Assembly};

/// Compare each stack's template with the deployed one (GetTemplate): resources
/// added, removed and changed down to the property, parameters, outputs, and
/// the IAM and security changes.
#[derive(Debug, clap::Args)]
pub struct Diff {
    /// Stacks to compare, by name or path (default: all).
    #[arg(value_name = "STACK")]
    stacks: Vec<String>,
    /// Exit with status 1 when there is any difference.
    #[arg(long)]
    fail: bool,
    #[command(flatten)]
    assembly: AssemblyArgs,
    #[command(flatten)]
    aws: AwsArgs,
}

impl Diff {
    /// Runs the command.
    pub fn run(&self, ctx: &Context) -> crate::Result<()> {
        let (dir, _) = self.assembly.prepare(ctx)?;
        let assembly = Assembly::read(&dir)?;
        let selected = dependency_order(&assembly.select(&self.stacks, true)?);
        let differing = crate::deploy::runtime()?.block_on(async {
            let session = self.aws.session().await;
            let mut differing = 0;
            for stack in &selected {
                let (diff, exists) = crate::deploy::stack::diff(&session, stack).await?;
                println!("Stack {}", stack.label());
                if !exists {
                    println!("(not deployed: everything below is new)");
                }
                let path_of = |id: &str| stack.construct_path(id).map(str::to_owned);
                print!("{}", diff.render(&path_of));
                println!();
                if !diff.is_empty() {
                    differing += 1;
                }
            }
            Ok::<_, crate::Error>(differing)
        })?;
        eprintln!(
            "{differing} of {} stack{} differ{}",
            selected.len(),
            if selected.len() == 1 { "" } else { "s" },
            if differing == 1 { "s" } else { "" }
        );
        if self.fail && differing > 0 {
            return Err(crate::Error::StacksDiffer { count: differing });
        }
        Ok(())
    }
}
