//! `infra local`: run the whole app on this machine, on a local AWS engine
//! (see `crate::local`), and read back what it did.

use std::io::Write as _;
use std::time::Duration;

use anyhow::{bail, Context as _};
use aws_constructs::lambda::Architecture;
use serde_json::json;

use super::report::Terminal;
use super::{Context, OutputFormat};
use crate::deploy::assembly::{dependency_order, Assembly};
use crate::deploy::bootstrap::{bootstrap, BucketEncryptionKind};
use crate::deploy::build;
use crate::deploy::changeset::RequireApproval;
use crate::deploy::session::{describe, Session};
use crate::deploy::stack::{deploy, format_outputs, DeployOptions, Deployed};
use crate::local::engine::{self, Engine};
use crate::local::{account, apis, logs, messages, Layout, DEFAULT_REGION};

/// Run the app on this machine: a local AWS engine (LocalStack's core with
/// this project's plugins, no Docker, no AWS account), the functions built for
/// this machine's CPU, every stack deployed through CloudFormation change sets.
#[derive(Debug, clap::Args)]
pub struct Local {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    Up(Up),
    Status(Status),
    Messages(Messages),
    Logs(Logs),
    Env(Env),
    Down(Down),
}

impl Local {
    /// Runs the subcommand.
    pub fn run(&self, ctx: &Context) -> anyhow::Result<()> {
        let layout = Layout::for_workspace(&ctx.source_root()?);
        match &self.command {
            Command::Up(cmd) => cmd.run(ctx, &layout),
            Command::Status(cmd) => cmd.run(ctx, &layout),
            Command::Messages(cmd) => cmd.run(ctx, &layout),
            Command::Logs(cmd) => cmd.run(&layout),
            Command::Env(cmd) => cmd.run(&layout),
            Command::Down(cmd) => cmd.run(&layout),
        }
    }
}

/// Start the engine if it is not running, build the functions for this
/// machine, set up what a real account already has (the SES identities the app
/// sends from), bootstrap, and deploy every stack; then print each API's local
/// base URL and the stacks' outputs. Run it again after a change: unchanged
/// functions are not rebuilt and unchanged stacks are left alone.
#[derive(Debug, clap::Args)]
struct Up {
    /// Port of the engine on 127.0.0.1 (when it is started).
    #[arg(long, default_value_t = engine::DEFAULT_PORT)]
    port: u16,
    /// Region to deploy to (when the engine is started).
    #[arg(long, default_value = DEFAULT_REGION)]
    region: String,
}

impl Up {
    fn run(&self, ctx: &Context, layout: &Layout) -> anyhow::Result<()> {
        let root = ctx.source_root()?;
        // The app first: a synthesis error should not leave an engine behind.
        let synthesized = ctx.synthesize()?;
        let dir = layout.assembly();
        synthesized
            .write(&dir)
            .with_context(|| format!("cannot write the cloud assembly to '{}'", dir.display()))?;
        let runtime = crate::deploy::runtime()?;
        let (engine, started) = match runtime.block_on(engine::running(layout)) {
            Some(engine) => {
                eprintln!(
                    "local engine: running at {} (pid {})",
                    engine.endpoint, engine.pid
                );
                (engine, false)
            }
            None => {
                let spec = engine::Spec {
                    python: engine::python(&root)?,
                    port: self.port,
                    region: self.region.clone(),
                };
                eprintln!(
                    "local engine: starting on 127.0.0.1:{} (log: {})",
                    spec.port,
                    layout.log_file().display()
                );
                (engine::spawn(layout, &spec)?, true)
            }
        };
        // A starting engine comes up while the functions build.
        build_for_host(&root, &dir, &synthesized)?;
        let engine = if started {
            let engine = runtime.block_on(engine::wait_ready(layout, engine))?;
            eprintln!(
                "local engine: ready at {} (pid {})",
                engine.endpoint, engine.pid
            );
            engine
        } else {
            engine
        };
        runtime.block_on(deploy_all(layout, &engine))
    }
}

/// Builds every function asset for this machine's CPU into `dir`: the engine
/// runs `bootstrap` as a host process. The templates are untouched (they still
/// declare the deployed architecture); only these zips differ from `cdk.out/`'s.
pub(super) fn build_for_host(
    root: &std::path::Path,
    dir: &std::path::Path,
    synthesized: &constructs::CloudAssembly,
) -> anyhow::Result<()> {
    let host = match std::env::consts::ARCH {
        "x86_64" => Architecture::X86_64,
        "aarch64" => Architecture::Arm64,
        other => bail!("functions cannot be built for this machine's CPU ({other}); Lambda runs x86_64 and arm64 only"),
    };
    let opts = build::Options {
        profile: build::Profile::Local,
        ..build::Options::default()
    };
    // The host's architecture as the job's own: for a local run it differs from the
    // declared one on purpose (no warning).
    let jobs: Vec<build::Job> = build::jobs(synthesized, &[])?
        .into_iter()
        .map(|job| build::Job {
            architecture: host,
            ..job
        })
        .collect();
    if !jobs.is_empty() {
        build::build(root, dir, &jobs, &jobs, &opts, &Terminal)?;
    }
    Ok(())
}

async fn deploy_all(layout: &Layout, engine: &Engine) -> anyhow::Result<()> {
    let session = Session::local(&engine.endpoint, &engine.region).await;
    let assembly = Assembly::read(&layout.assembly())?;
    let identities = account::ses_identities(&assembly.stacks);
    if !identities.is_empty() {
        let list: Vec<&str> = identities.iter().map(String::as_str).collect();
        eprintln!("account: verified SES identities {}", list.join(", "));
        account::create_ses_identities(&session.sesv2(), &identities).await?;
    }
    let opts = DeployOptions {
        require_approval: RequireApproval::Never,
        interactive: false,
        poll: Duration::from_millis(500),
        ..DeployOptions::default()
    };
    bootstrap(
        &session,
        None,
        BucketEncryptionKind::Aes256,
        &opts,
        &Terminal,
    )
    .await?;
    let mut outputs = String::new();
    for stack in dependency_order(&assembly.select(&[], true)?) {
        if let Deployed::Done(o) | Deployed::NoChanges(o) =
            deploy(&session, &assembly.dir, stack, &opts, &Terminal).await?
        {
            outputs.push_str(&format_outputs(&stack.stack_name, &o));
        }
    }
    let apis = apis::local_apis(
        &session.cloudformation(None),
        &assembly.stacks,
        &engine.endpoint,
    )
    .await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "\nThe app runs at {} (region {}).",
        engine.endpoint, engine.region
    )?;
    if !apis.is_empty() {
        writeln!(out, "APIs:")?;
        for api in &apis {
            writeln!(out, "  {:<16} {:<8} {}", api.stack, api.name, api.url)?;
        }
    }
    write!(out, "{outputs}")?;
    writeln!(
        out,
        "Sent mail and SMS: infra local messages; function output: infra local logs; other commands: eval \"$(infra local env)\""
    )?;
    Ok(())
}

/// The engine's endpoint and region, the app's API base URLs and its stacks.
/// Fails when the engine is not running.
#[derive(Debug, clap::Args)]
struct Status {}

impl Status {
    fn run(&self, ctx: &Context, layout: &Layout) -> anyhow::Result<()> {
        let runtime = crate::deploy::runtime()?;
        let engine = require_running(&runtime, layout)?;
        let assembly = Assembly::read(&layout.assembly())?;
        let (apis, stacks) = runtime.block_on(async {
            let session = Session::local(&engine.endpoint, &engine.region).await;
            let cfn = session.cloudformation(None);
            let mut stacks = Vec::new();
            for s in &assembly.stacks {
                let status = describe(&cfn, &s.stack_name).await?.map_or_else(
                    || "NOT_DEPLOYED".to_owned(),
                    |d| d.status.as_str().to_owned(),
                );
                stacks.push(
                    json!({"name": s.display_name, "stackName": s.stack_name, "status": status}),
                );
            }
            let apis = apis::local_apis(&cfn, &assembly.stacks, &engine.endpoint).await?;
            anyhow::Ok((apis, stacks))
        })?;
        let status = json!({
            "endpoint": engine.endpoint,
            "region": engine.region,
            "pid": engine.pid,
            "apis": apis,
            "stacks": stacks,
        });
        match ctx.format() {
            Some(OutputFormat::Json) => println!("{}", serde_json::to_string_pretty(&status)?),
            Some(OutputFormat::Yaml) => print!("{}", serde_yaml::to_string(&status)?),
            None => {
                println!(
                    "endpoint  {} (region {}, pid {})",
                    engine.endpoint, engine.region, engine.pid
                );
                for s in &stacks {
                    println!(
                        "stack     {:<16} {}",
                        s["name"].as_str().unwrap_or_default(),
                        s["status"].as_str().unwrap_or_default()
                    );
                }
                for api in &apis {
                    println!("api       {:<16} {:<8} {}", api.stack, api.name, api.url);
                }
            }
        }
        Ok(())
    }
}

/// The emails and SMS the app sent, as the engine kept them (nothing leaves
/// this machine).
#[derive(Debug, clap::Args)]
struct Messages {}

impl Messages {
    fn run(&self, ctx: &Context, layout: &Layout) -> anyhow::Result<()> {
        let runtime = crate::deploy::runtime()?;
        let engine = require_running(&runtime, layout)?;
        let list = runtime.block_on(messages::messages(&engine.endpoint, &engine.region))?;
        match ctx.format() {
            Some(OutputFormat::Json) => println!("{}", serde_json::to_string_pretty(&list)?),
            Some(OutputFormat::Yaml) => print!("{}", serde_yaml::to_string(&list)?),
            None if list.is_empty() => eprintln!("no messages sent yet"),
            None => {
                for m in &list {
                    let first_line = m.body.lines().next().unwrap_or_default();
                    println!(
                        "{:<5} {:<28} {}",
                        m.kind,
                        m.to,
                        m.subject
                            .as_deref()
                            .map_or(first_line.to_owned(), |s| format!("{s}: {first_line}"))
                    );
                }
            }
        }
        Ok(())
    }
}

/// What the app's functions printed: one function (by package, construct id
/// or path, or logical ID) or all of them.
#[derive(Debug, clap::Args)]
struct Logs {
    /// The function, e.g. orders-api or OrdersApiFunction (default: all).
    function: Option<String>,
    /// Keep printing new output until interrupted.
    #[arg(short, long)]
    follow: bool,
}

impl Logs {
    fn run(&self, layout: &Layout) -> anyhow::Result<()> {
        let runtime = crate::deploy::runtime()?;
        let engine = require_running(&runtime, layout)?;
        let assembly = Assembly::read(&layout.assembly())?;
        let all = logs::functions(&assembly.stacks);
        let chosen: Vec<&logs::Function> = match &self.function {
            None => all.iter().collect(),
            Some(name) => {
                let found: Vec<_> = all.iter().filter(|f| f.is_called(name)).collect();
                if found.is_empty() {
                    let known: Vec<&str> = all.iter().map(logs::Function::label).collect();
                    bail!(
                        "no function '{name}' in the app; the functions are: {}",
                        known.join(", ")
                    );
                }
                found
            }
        };
        let files = runtime.block_on(async {
            let session = Session::local(&engine.endpoint, &engine.region).await;
            let cfn = session.cloudformation(None);
            let mut files = Vec::new();
            for f in &chosen {
                let ids = apis::physical_ids(&cfn, &f.stack_name).await?;
                if let Some(name) = ids.get(&f.logical_id) {
                    files.push((f.label().to_owned(), logs::file(layout, name)));
                }
            }
            anyhow::Ok(files)
        })?;
        let prefix = files.len() > 1;
        let mut offsets = vec![0usize; files.len()];
        loop {
            for ((label, path), offset) in files.iter().zip(offsets.iter_mut()) {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                for line in text.get(*offset..).unwrap_or_default().lines() {
                    if prefix {
                        println!("{label} | {line}");
                    } else {
                        println!("{line}");
                    }
                }
                *offset = text.len();
            }
            if !self.follow {
                return Ok(());
            }
            std::io::stdout().flush()?;
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

/// Shell exports that point other tools (and every other infra command) at
/// the engine: `eval "$(infra local env)"`.
#[derive(Debug, clap::Args)]
struct Env {}

impl Env {
    fn run(&self, layout: &Layout) -> anyhow::Result<()> {
        let engine = require_running(&crate::deploy::runtime()?, layout)?;
        println!("export AWS_ENDPOINT_URL={}", engine.endpoint);
        println!(
            "export AWS_REGION={} AWS_DEFAULT_REGION={}",
            engine.region, engine.region
        );
        println!("export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test");
        Ok(())
    }
}

/// Stop the engine and every function process it started, and remove all
/// local state (deployed stacks, data, logs, the local assembly).
#[derive(Debug, clap::Args)]
struct Down {}

impl Down {
    fn run(&self, layout: &Layout) -> anyhow::Result<()> {
        let stopped = engine::stop(layout);
        if layout.root().exists() {
            std::fs::remove_dir_all(layout.root())
                .with_context(|| format!("cannot remove {}", layout.root().display()))?;
        }
        eprintln!(
            "{}; removed {}",
            if stopped {
                "local engine stopped"
            } else {
                "local engine was not running"
            },
            layout.root().display()
        );
        Ok(())
    }
}

pub(super) fn require_running(
    runtime: &tokio::runtime::Runtime,
    layout: &Layout,
) -> anyhow::Result<Engine> {
    runtime.block_on(engine::running(layout)).context(
        "the local engine is not running; start it and deploy the app with 'infra local up'",
    )
}
