//! Where `deploy` and `watch` send stacks: AWS (through the AWS options), or
//! with `--local` the engine of `infra local up`, with the functions built
//! for this machine as `infra local up` builds them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use constructs::CloudAssembly;

use super::aws::AwsArgs;
use super::report::Terminal;
use super::Context;
use crate::deploy::build;
use crate::deploy::session::Session;
use crate::local::engine::Engine;
use crate::local::Layout;

/// AWS, or the local engine.
#[derive(Debug)]
pub enum Target {
    /// AWS, or the endpoint of the AWS options.
    Aws(AwsArgs),
    /// The running local engine and its folder.
    Local(Engine, Layout),
}

impl Target {
    /// `Local` with the running engine when `local`, else `Aws`. Fails when
    /// `local` and the engine is not running.
    pub fn new(
        ctx: &Context,
        local: bool,
        aws: &AwsArgs,
        runtime: &tokio::runtime::Runtime,
    ) -> crate::Result<Target> {
        if !local {
            return Ok(Target::Aws(aws.clone()));
        }
        let layout = Layout::for_workspace(&ctx.source_root()?);
        let engine = super::local::require_running(runtime, &layout)?;
        Ok(Target::Local(engine, layout))
    }

    /// The SDK configuration for the target.
    pub async fn session(&self) -> Session {
        match self {
            Target::Aws(aws) => aws.session().await,
            Target::Local(engine, _) => Session::local(&engine.endpoint, &engine.region).await,
        }
    }

    /// Where the app is synthesized: `output` for AWS, the local assembly
    /// (whose zips are built for this machine) for the engine.
    pub fn assembly_dir(&self, output: &Path) -> PathBuf {
        match self {
            Target::Aws(_) => output.to_path_buf(),
            Target::Local(_, layout) => layout.assembly(),
        }
    }

    /// Time between polls of change sets and events.
    pub fn poll(&self) -> Duration {
        match self {
            Target::Aws(_) => Duration::from_secs(2),
            Target::Local(..) => Duration::from_millis(500),
        }
    }

    /// Synthesizes the app into [`Target::assembly_dir`].
    pub fn synthesize(
        &self,
        ctx: &Context,
        output: &Path,
    ) -> crate::Result<(PathBuf, CloudAssembly)> {
        let dir = self.assembly_dir(output);
        let synthesized = ctx.synthesize()?;
        super::write_assembly(&synthesized, &dir)?;
        Ok((dir, synthesized))
    }

    /// Builds into `dir` the function zips that the stacks named by artifact
    /// id need and that are not built yet: for the deployed architecture on
    /// AWS, for this machine with the `local` profile on the engine (as
    /// `infra local up` does).
    pub fn build(
        &self,
        ctx: &Context,
        dir: &Path,
        synthesized: &CloudAssembly,
        artifact_ids: &[&str],
    ) -> crate::Result<()> {
        let root = ctx.source_root()?;
        match self {
            Target::Aws(_) => build_missing(&root, dir, synthesized, artifact_ids),
            Target::Local(..) => super::local::build_for_host(&root, dir, synthesized),
        }
    }
}

/// Builds the functions of the stacks named by artifact id whose zips are
/// not in `dir` yet.
fn build_missing(
    root: &Path,
    dir: &Path,
    synthesized: &CloudAssembly,
    artifact_ids: &[&str],
) -> crate::Result<()> {
    let app = build::jobs(synthesized, &[])?;
    let mut jobs = app.clone();
    jobs.retain(|j| {
        synthesized
            .stacks
            .iter()
            .filter(|s| artifact_ids.contains(&s.artifact_id.as_str()))
            .any(|s| s.assets.iter().any(|a| a.hash == j.hash))
            && !dir.join(&j.file_name).exists()
    });
    if !jobs.is_empty() {
        build::build(
            root,
            dir,
            &jobs,
            &app,
            &build::Options::default(),
            &Terminal,
        )?;
    }
    Ok(())
}
