//! `infra pipeline`: the delivery pipeline's state, a manual start, and the
//! asset publishing its Assets step runs. An app that has a pipeline adds
//! [`Pipeline`] to its [`Commands`](super::Commands) with its pipeline's name.

use super::aws::AwsArgs;
use crate::deploy::assembly::{dependency_order, Assembly};
use crate::deploy::assets::{human_size, publish};
use crate::deploy::session::{error_message, StackTarget};
use crate::{Error, Result};

/// The delivery pipeline (the `Pipeline` stack, synthesized with `-c pipeline=true`).
#[derive(Debug, clap::Args)]
pub struct Pipeline {
    #[command(subcommand)]
    command: PipelineCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PipelineCommand {
    Status(Status),
    Start(Start),
    Publish(Publish),
}

impl Pipeline {
    /// Runs the selected subcommand; `pipeline` is the name of the app's
    /// pipeline, used unless `--name` is given.
    pub fn run(&self, pipeline: &str) -> Result<()> {
        match &self.command {
            PipelineCommand::Status(cmd) => cmd.run(cmd.name.as_deref().unwrap_or(pipeline)),
            PipelineCommand::Start(cmd) => cmd.run(cmd.name.as_deref().unwrap_or(pipeline)),
            PipelineCommand::Publish(cmd) => cmd.run(),
        }
    }
}

/// Each stage's latest state and the last execution.
#[derive(Debug, clap::Args)]
pub struct Status {
    /// The pipeline's name (default: the app's pipeline).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    #[command(flatten)]
    aws: AwsArgs,
}

/// Starts an execution on the latest commit of the branch.
#[derive(Debug, clap::Args)]
pub struct Start {
    /// The pipeline's name (default: the app's pipeline).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    #[command(flatten)]
    aws: AwsArgs,
}

/// Publishes the assets (function zips and templates) of every stack of an
/// assembly to the staging bucket, without deploying: the pipeline's Assets step.
#[derive(Debug, clap::Args)]
pub struct Publish {
    /// The cloud assembly directory (built earlier, with the function zips).
    #[arg(long, value_name = "DIR", default_value = "cdk.out")]
    app: std::path::PathBuf,
    #[command(flatten)]
    aws: AwsArgs,
}

/// One line per stage, then the last execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// (stage, latest status or why it is unknown).
    pub stages: Vec<(String, String)>,
    /// (execution id, status, trigger), of the most recent execution.
    pub last_execution: Option<(String, String, String)>,
    /// Why the stages' states are unknown (GetPipelineState failed).
    pub state_error: Option<String>,
}

impl std::fmt::Display for StatusReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = self.stages.iter().map(|(s, _)| s.len()).max().unwrap_or(0);
        for (stage, state) in &self.stages {
            writeln!(f, "{stage:<width$}  {state}")?;
        }
        if let Some(e) = &self.state_error {
            writeln!(f, "stage states unavailable: GetPipelineState failed: {e}")?;
        }
        match &self.last_execution {
            Some((id, status, trigger)) => {
                writeln!(f, "last execution: {id} {status} (trigger: {trigger})")
            }
            None => writeln!(f, "last execution: none"),
        }
    }
}

/// Reads the pipeline's stages and state and its most recent execution.
pub async fn status(client: &aws_sdk_codepipeline::Client, name: &str) -> Result<StatusReport> {
    let declared = client
        .get_pipeline()
        .name(name)
        .send()
        .await
        .map_err(|e| Error::Pipeline {
            action: "read",
            name: name.to_owned(),
            message: error_message(&e),
        })?;
    let stage_names: Vec<String> = declared
        .pipeline()
        .map(|p| p.stages().iter().map(|s| s.name().to_owned()).collect())
        .unwrap_or_default();
    // Latest state per stage; not every endpoint implements GetPipelineState (moto does not).
    let states = match client.get_pipeline_state().name(name).send().await {
        Ok(state) => Ok(state
            .stage_states()
            .iter()
            .map(|s| {
                let status = s
                    .latest_execution()
                    .map(|e| e.status().as_str().to_owned())
                    .unwrap_or_else(|| "never run".to_owned());
                (s.stage_name().unwrap_or_default().to_owned(), status)
            })
            .collect::<Vec<_>>()),
        Err(e) => Err(error_message(&e)),
    };
    let stages = stage_names
        .into_iter()
        .map(|stage| {
            let state = match &states {
                Ok(states) => states
                    .iter()
                    .find(|(s, _)| *s == stage)
                    .map(|(_, st)| st.clone())
                    .unwrap_or_else(|| "never run".into()),
                Err(_) => "unknown".to_owned(),
            };
            (stage, state)
        })
        .collect();
    let executions = client
        .list_pipeline_executions()
        .pipeline_name(name)
        .max_results(1)
        .send()
        .await
        .map_err(Error::aws(format!(
            "list the executions of pipeline '{name}'"
        )))?;
    let last_execution = executions.pipeline_execution_summaries().first().map(|e| {
        (
            e.pipeline_execution_id().unwrap_or_default().to_owned(),
            e.status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            e.trigger()
                .and_then(|t| t.trigger_type())
                .map(|t| t.as_str().to_owned())
                .unwrap_or_else(|| "unknown".into()),
        )
    });
    Ok(StatusReport {
        stages,
        last_execution,
        state_error: states.err(),
    })
}

/// Starts an execution; returns its id.
pub async fn start(client: &aws_sdk_codepipeline::Client, name: &str) -> Result<String> {
    let out = client
        .start_pipeline_execution()
        .name(name)
        .send()
        .await
        .map_err(|e| Error::Pipeline {
            action: "start",
            name: name.to_owned(),
            message: error_message(&e),
        })?;
    Ok(out.pipeline_execution_id().unwrap_or_default().to_owned())
}

impl Status {
    fn run(&self, name: &str) -> Result<()> {
        crate::deploy::runtime()?.block_on(async {
            let session = self.aws.session().await;
            print!("{}", status(&session.codepipeline(), name).await?);
            Ok(())
        })
    }
}

impl Start {
    fn run(&self, name: &str) -> Result<()> {
        crate::deploy::runtime()?.block_on(async {
            let session = self.aws.session().await;
            let id = start(&session.codepipeline(), name).await?;
            println!("{name}: started execution {id}");
            Ok(())
        })
    }
}

impl Publish {
    fn run(&self) -> Result<()> {
        let assembly = Assembly::read(&self.app)?;
        let stacks = dependency_order(&assembly.select(&[], true)?);
        crate::deploy::runtime()?.block_on(async {
            let session = self.aws.session().await;
            for stack in stacks {
                let StackTarget { env, s3, .. } = session.stack_target(stack).await?;
                let published =
                    publish(&s3, &env.staging_bucket(), &self.app, &stack.assets).await?;
                eprintln!(
                    "{}: assets: {} uploaded ({}), {} already published",
                    stack.label(),
                    published.uploaded.len(),
                    human_size(published.bytes),
                    published.present.len()
                );
            }
            Ok(())
        })
    }
}
