//! `infra list`: the stacks, their environments and dependencies.

use std::fmt::Write as _;

use serde_json::json;

use super::Context;

/// List the app's stacks in deployment order: name, environment and the
/// stacks each depends on.
#[derive(Debug, clap::Args)]
pub struct List {}

impl List {
    /// Runs the command.
    pub fn run(&self, ctx: &Context) -> crate::Result<()> {
        let assembly = ctx.synthesize()?;
        let stacks = constructs::deployment_order(&assembly.stacks)?;
        let text = match ctx.format() {
            None => table(&stacks),
            Some(format) => {
                let rows: Vec<_> = stacks
                    .iter()
                    .map(|s| {
                        json!({
                            "name": s.display_name,
                            "stackName": s.stack_name,
                            "environment": s.environment,
                            "dependencies": s.dependencies,
                        })
                    })
                    .collect();
                format.render(&rows)?
            }
        };
        print!("{text}");
        Ok(())
    }
}

/// The stacks as aligned text columns: name, environment, dependencies.
fn table(stacks: &[&constructs::StackArtifact]) -> String {
    let width = stacks
        .iter()
        .map(|s| s.display_name.len())
        .max()
        .unwrap_or(0);
    let env_width = stacks
        .iter()
        .map(|s| s.environment.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for s in stacks {
        let deps = if s.dependencies.is_empty() {
            "-".to_owned()
        } else {
            s.dependencies.join(",")
        };
        let _ = writeln!(
            out,
            "{:width$}  {:env_width$}  {deps}",
            s.display_name, s.environment
        );
    }
    out
}
