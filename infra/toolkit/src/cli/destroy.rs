//! `infra destroy`: delete stacks, dependents first.

use super::aws::{AssemblyArgs, AwsArgs};
use super::report::{confirm_on_terminal, Terminal};
use super::Context;
use crate::deploy::assembly::{dependency_order, Assembly};
use crate::deploy::stack::{destroy, retained_resources};

/// Delete stacks in reverse dependency order, after listing the resources that
/// CloudFormation keeps (DeletionPolicy Retain). Asks first unless --force;
/// without a terminal it refuses unless --force.
#[derive(Debug, clap::Args)]
pub struct Destroy {
    /// Stacks to delete, by name or path; the app's only stack when there is one.
    #[arg(value_name = "STACK")]
    stacks: Vec<String>,
    /// Delete every stack of the app.
    #[arg(long, conflicts_with = "stacks")]
    all: bool,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    force: bool,
    #[command(flatten)]
    assembly: AssemblyArgs,
    #[command(flatten)]
    aws: AwsArgs,
}

impl Destroy {
    /// Runs the command.
    pub fn run(&self, ctx: &Context) -> crate::Result<()> {
        let (dir, _) = self.assembly.prepare(ctx)?;
        let assembly = Assembly::read(&dir)?;
        let mut selected = dependency_order(&assembly.select(&self.stacks, self.all)?);
        selected.reverse();
        if !self.force {
            eprintln!("This deletes these stacks and their resources:");
            for s in &selected {
                eprintln!("  {}", s.label());
                for (id, ty) in retained_resources(&s.template) {
                    eprintln!("    keeps {id} ({ty}): DeletionPolicy Retain");
                }
            }
            if !confirm_on_terminal("Delete them? [y/N] ", "--force")? {
                return Err(crate::Error::NothingDeleted);
            }
        }
        crate::deploy::runtime()?.block_on(async {
            let session = self.aws.session().await;
            for stack in &selected {
                destroy(
                    &session,
                    stack,
                    std::time::Duration::from_secs(2),
                    &Terminal,
                )
                .await?;
            }
            Ok(())
        })
    }
}
