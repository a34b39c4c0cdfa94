//! `infra local`: run the whole app on this machine, on a local AWS engine
//! (see `crate::local`), and read back what it did.

use std::io::Write as _;
use std::time::Duration;

use aws_constructs::lambda::Architecture;
use serde_json::json;

use super::report::Terminal;
use super::Context;
use crate::deploy::assembly::{dependency_order, Assembly};
use crate::deploy::bootstrap::{bootstrap, BucketEncryptionKind};
use crate::deploy::build;
use crate::deploy::changeset::RequireApproval;
use crate::deploy::session::{describe, Session};
use crate::deploy::stack::{deploy, format_outputs, DeployOptions, Deployed};
use crate::local::engine::{self, Engine};
use crate::local::{account, apis, logs, messages, Layout, DEFAULT_REGION};
use crate::{Error, Result};

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
    pub fn run(&self, ctx: &Context) -> Result<()> {
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
    fn run(&self, ctx: &Context, layout: &Layout) -> Result<()> {
        let root = ctx.source_root()?;
        // The app first: a synthesis error should not leave an engine behind.
        let synthesized = ctx.synthesize()?;
        let dir = layout.assembly();
        super::write_assembly(&synthesized, &dir)?;
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
) -> Result<()> {
    let host = match std::env::consts::ARCH {
        "x86_64" => Architecture::X86_64,
        "aarch64" => Architecture::Arm64,
        arch => return Err(Error::UnsupportedHost { arch }),
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

async fn deploy_all(layout: &Layout, engine: &Engine) -> Result<()> {
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
    let mut text = format!(
        "\nThe app runs at {} (region {}).\n",
        engine.endpoint, engine.region
    );
    if !apis.is_empty() {
        text.push_str("APIs:\n");
        for api in &apis {
            text.push_str(&format!(
                "  {:<16} {:<8} {}\n",
                api.stack, api.name, api.url
            ));
        }
    }
    text.push_str(&outputs);
    text.push_str("Sent mail and SMS: infra local messages; function output: infra local logs; other commands: eval \"$(infra local env)\"\n");
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(Error::Stdout)
}

/// The engine's endpoint and region, the app's API base URLs and its stacks.
/// Fails when the engine is not running.
#[derive(Debug, clap::Args)]
struct Status {}

impl Status {
    fn run(&self, ctx: &Context, layout: &Layout) -> Result<()> {
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
            Ok::<_, Error>((apis, stacks))
        })?;
        let status = json!({
            "endpoint": engine.endpoint,
            "region": engine.region,
            "pid": engine.pid,
            "apis": apis,
            "stacks": stacks,
        });
        match ctx.format() {
            Some(format) => print!("{}", format.render(&status)?),
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
    fn run(&self, ctx: &Context, layout: &Layout) -> Result<()> {
        let runtime = crate::deploy::runtime()?;
        let engine = require_running(&runtime, layout)?;
        let list = runtime.block_on(messages::messages(&engine.endpoint, &engine.region))?;
        match ctx.format() {
            Some(format) => print!("{}", format.render(&list)?),
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
    fn run(&self, layout: &Layout) -> Result<()> {
        let runtime = crate::deploy::runtime()?;
        let engine = require_running(&runtime, layout)?;
        let assembly = Assembly::read(&layout.assembly())?;
        let all = logs::functions(&assembly.stacks);
        let chosen: Vec<&logs::Function> = match &self.function {
            None => all.iter().collect(),
            Some(name) => {
                let found: Vec<_> = all.iter().filter(|f| f.is_called(name)).collect();
                if found.is_empty() {
                    return Err(Error::UnknownFunction {
                        name: name.clone(),
                        known: all.iter().map(|f| f.label().to_owned()).collect(),
                    });
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
            Ok::<_, Error>(files)
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
            std::io::stdout().flush().map_err(Error::Stdout)?;
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

/// Shell exports that point other tools (and every other infra command) at
/// the engine: `eval "$(infra local env)"`.
#[derive(Debug, clap::Args)]
struct Env {}

impl Env {
    fn run(&self, layout: &Layout) -> Result<()> {
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
    fn run(&self, layout: &Layout) -> Result<()> {
        let stopped = engine::stop(layout);
        if layout.root().exists() {
            std::fs::remove_dir_all(layout.root()).map_err(Error::file("remove", layout.root()))?;
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
) -> Result<Engine> {
    runtime
        .block_on(engine::running(layout))
        .ok_or(Error::EngineNotRunning)
}
