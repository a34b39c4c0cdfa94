//! `infra deploy`: publish assets, create a change set, show it, execute it.

use std::io::IsTerminal as _;

use super::aws::{AssemblyArgs, AwsArgs};
use super::report::Terminal;
use super::target::Target;
use super::Context;
use crate::deploy::assembly::{dependency_order, Assembly};
use crate::deploy::changeset::RequireApproval;
use crate::deploy::hotswap::{self, Outcome};
use crate::deploy::stack::{deploy, format_outputs, DeployOptions, Deployed};

/// Deploy stacks in dependency order: build missing function zips (when
/// synthesizing), publish assets not yet in the staging bucket, create a
/// CloudFormation change set, show it, execute it and follow the stack events,
/// then print the outputs. An empty change set is deleted ("no changes").
#[derive(Debug, clap::Args)]
pub struct Deploy {
    /// Stacks to deploy, by name or path (e.g. Dev/Orders); the app's only stack when there is one.
    #[arg(value_name = "STACK")]
    stacks: Vec<String>,
    /// Deploy every stack of the app.
    #[arg(long, conflicts_with = "stacks")]
    all: bool,
    /// When to ask for approval before executing a change set; without a terminal, a change that needs approval stops the deployment.
    #[arg(long, value_enum, default_value_t)]
    require_approval: RequireApproval,
    /// Template parameter as KEY=VALUE or STACK:KEY=VALUE (repeatable). Parameters not given keep their deployed value.
    #[arg(long = "parameters", value_name = "[STACK:]KEY=VALUE", value_parser = parse_parameter)]
    parameters: Vec<(Option<String>, String, String)>,
    /// Stack tag as KEY=VALUE (repeatable), added to the app's tags.
    #[arg(long = "tags", value_name = "KEY=VALUE", value_parser = super::parse_context)]
    tags: Vec<(String, String)>,
    /// Create the change sets and show them, but do not execute them.
    #[arg(long)]
    no_execute: bool,
    /// IAM role CloudFormation assumes to create, update and delete the stacks' resources (the delivery pipeline's deploy role); default: the caller's credentials.
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// Update only function code and state machine definitions, directly
    /// (Lambda UpdateFunctionCode, Step Functions UpdateStateMachine), when
    /// nothing else changed; otherwise deploy with a change set and say why.
    /// The stack then drifts from its template: for development only.
    #[arg(long)]
    hotswap: bool,
    /// Deploy to the engine of 'infra local up' (its endpoint and region),
    /// with the functions built for this machine as 'infra local up' builds them.
    #[arg(long, conflicts_with_all = ["profile", "region", "endpoint_url", "role_arn"])]
    local: bool,
    #[command(flatten)]
    assembly: AssemblyArgs,
    #[command(flatten)]
    aws: AwsArgs,
}

fn parse_parameter(s: &str) -> crate::Result<(Option<String>, String, String)> {
    let malformed = || crate::Error::BadArgument {
        value: s.to_owned(),
        form: "KEY=VALUE or STACK:KEY=VALUE",
        example: "--parameters Env=dev",
    };
    let (key, value) = s
        .split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(malformed)?;
    match key.split_once(':') {
        Some((stack, k)) if !stack.is_empty() && !k.is_empty() => {
            Ok((Some(stack.to_owned()), k.to_owned(), value.to_owned()))
        }
        Some(_) => Err(malformed()),
        None => Ok((None, key.to_owned(), value.to_owned())),
    }
}

impl Deploy {
    /// Runs the command.
    pub fn run(&self, ctx: &Context) -> crate::Result<()> {
        let runtime = crate::deploy::runtime()?;
        let target = Target::new(ctx, self.local, &self.aws, &runtime)?;
        let (dir, synthesized) = match &self.assembly.app {
            Some(dir) => (dir.clone(), None),
            None => {
                let (dir, synthesized) = target.synthesize(ctx, &self.assembly.output)?;
                (dir, Some(synthesized))
            }
        };
        let assembly = Assembly::read(&dir)?;
        let selected = dependency_order(&assembly.select(&self.stacks, self.all)?);
        if let Some(synthesized) = &synthesized {
            // Only the functions of the selected stacks, and only those not built yet.
            let ids: Vec<&str> = selected.iter().map(|s| s.artifact_id.as_str()).collect();
            target.build(ctx, &dir, synthesized, &ids)?;
        }
        let opts = DeployOptions {
            parameters: self.parameters.clone(),
            tags: self.tags.clone(),
            require_approval: self.require_approval,
            execute: !self.no_execute,
            role_arn: self.role_arn.clone(),
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
            poll: target.poll(),
        };
        runtime.block_on(async {
            let session = target.session().await;
            for stack in &selected {
                let result = if self.hotswap {
                    match hotswap::deploy(&session, &dir, stack, &opts, &Terminal).await? {
                        Outcome::ChangeSet(deployed) => deployed,
                        Outcome::Hotswapped(_) | Outcome::NothingToDo => continue,
                    }
                } else {
                    deploy(&session, &dir, stack, &opts, &Terminal).await?
                };
                if let Deployed::Done(outputs) | Deployed::NoChanges(outputs) = &result {
                    print!("{}", format_outputs(&stack.stack_name, outputs));
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_parameter;

    #[test]
    fn parameters() {
        assert_eq!(
            parse_parameter("A=1").ok(),
            Some((None, "A".into(), "1".into()))
        );
        assert_eq!(
            parse_parameter("Dev-Orders:A=x=y").ok(),
            Some((Some("Dev-Orders".into()), "A".into(), "x=y".into()))
        );
        assert!(parse_parameter("A").is_err());
        assert!(parse_parameter(":A=1").is_err());
    }
}
