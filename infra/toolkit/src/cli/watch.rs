//! `infra watch`: rebuild and hotswap the selected stacks' functions on every
//! save of their sources, as the AWS CDK CLI's `cdk watch` does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::aws::AwsArgs;
use super::report::Terminal;
use super::target::Target;
use super::Context;
use crate::deploy::assembly::{dependency_order, Assembly};
use crate::deploy::changeset::RequireApproval;
use crate::deploy::hotswap::{self, Outcome};
use crate::deploy::stack::{DeployOptions, Deployed};

/// How often the sources are looked at.
const POLL: Duration = Duration::from_millis(250);

/// Watch the sources of the selected stacks' functions (every file their
/// asset hash covers: the crates, their path dependencies, Cargo.toml and
/// Cargo.lock) and, after each save, synthesize, build what changed and
/// deploy with --hotswap (a change set when something else changed). One
/// line per cycle on stdout, with the time it took. Ctrl-C stops it (a
/// second Ctrl-C stops a running step at once).
#[derive(Debug, clap::Args)]
pub struct Watch {
    /// Stacks to watch, by name or path (e.g. Dev/Orders); the app's only stack when there is one.
    #[arg(value_name = "STACK")]
    stacks: Vec<String>,
    /// Watch every stack of the app.
    #[arg(long, conflicts_with = "stacks")]
    all: bool,
    /// Quiet time after the last change before a cycle starts, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 300)]
    debounce: u64,
    /// Deploy to the engine of 'infra local up', with the functions built for
    /// this machine (the 'local' cargo profile), as 'infra local up' does.
    #[arg(long, conflicts_with_all = ["profile", "region", "endpoint_url"])]
    local: bool,
    /// Where to synthesize the app (with --local: the engine's own assembly in .infra-local/).
    #[arg(short, long, value_name = "DIR", default_value = "cdk.out")]
    output: PathBuf,
    #[command(flatten)]
    aws: AwsArgs,
}

/// Set by the SIGINT handler.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    // A second Ctrl-C ends the process at once.
    // SAFETY: signal(2) is async-signal-safe.
    unsafe { libc::signal(libc::SIGINT, libc::SIG_DFL) };
}

fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Size and modification time of each watched file (`None`: missing).
type Stamps = BTreeMap<PathBuf, Option<(SystemTime, u64)>>;

fn stamps(root: &Path, files: &[PathBuf]) -> Stamps {
    files
        .iter()
        .map(|f| {
            let meta = std::fs::metadata(root.join(f)).ok();
            let stamp = meta.and_then(|m| Some((m.modified().ok()?, m.len())));
            (f.clone(), stamp)
        })
        .collect()
}

impl Watch {
    /// Runs the command until interrupted.
    pub fn run(&self, ctx: &Context) -> crate::Result<()> {
        // SAFETY: installs a handler that only stores to an atomic and calls signal(2).
        unsafe {
            libc::signal(
                libc::SIGINT,
                on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t,
            )
        };
        let root = ctx.source_root()?;
        let runtime = crate::deploy::runtime()?;
        let target = Target::new(ctx, self.local, &self.aws, &runtime)?;
        let mut files: Vec<PathBuf> = Vec::new();
        let mut first = true;
        loop {
            let started = Instant::now();
            let before = stamps(&root, &files);
            match self.cycle(ctx, &target, &runtime) {
                Ok((summary, watched)) => {
                    if first {
                        eprintln!(
                            "watch: {} source files; save one to rebuild and hotswap (Ctrl-C stops)",
                            watched.len()
                        );
                    }
                    files = watched;
                    println!(
                        "watch: {} {summary} ({:.1} s)",
                        clock(SystemTime::now()),
                        started.elapsed().as_secs_f64()
                    );
                }
                Err(e) if interrupted() => eprintln!("watch: interrupted: {}", e.report()),
                Err(e) if first => return Err(e),
                Err(e) => println!(
                    "watch: {} failed after {:.1} s: {}; waiting for the next change",
                    clock(SystemTime::now()),
                    started.elapsed().as_secs_f64(),
                    e.report()
                ),
            }
            first = false;
            // Changes saved while the cycle ran start the next one.
            let mut seen: Stamps = stamps(&root, &files)
                .into_iter()
                .map(|(f, s)| (f.clone(), before.get(&f).cloned().unwrap_or(s)))
                .collect();
            if !self.wait_for_change(&root, &files, &mut seen) {
                eprintln!("watch: stopped");
                return Ok(());
            }
        }
    }

    /// Waits until a watched file changes and then stays unchanged for the
    /// debounce time; false when interrupted.
    fn wait_for_change(&self, root: &Path, files: &[PathBuf], seen: &mut Stamps) -> bool {
        let debounce = Duration::from_millis(self.debounce);
        loop {
            if interrupted() {
                return false;
            }
            std::thread::sleep(POLL);
            let now = stamps(root, files);
            if now == *seen {
                continue;
            }
            let mut last = now;
            loop {
                std::thread::sleep(debounce);
                if interrupted() {
                    return false;
                }
                let again = stamps(root, files);
                if again == last {
                    *seen = again;
                    return true;
                }
                last = again;
            }
        }
    }

    /// Synthesizes, builds and hotswaps once: a summary and the files to watch.
    fn cycle(
        &self,
        ctx: &Context,
        target: &Target,
        runtime: &tokio::runtime::Runtime,
    ) -> crate::Result<(String, Vec<PathBuf>)> {
        let root = ctx.source_root()?;
        let (dir, synthesized) = target.synthesize(ctx, &self.output)?;
        let assembly = Assembly::read(&dir)?;
        let selected = dependency_order(&assembly.select(&self.stacks, self.all)?);
        let ids: Vec<&str> = selected.iter().map(|s| s.artifact_id.as_str()).collect();
        let mut files: Vec<PathBuf> = Vec::new();
        for stack in synthesized
            .stacks
            .iter()
            .filter(|s| ids.contains(&s.artifact_id.as_str()))
        {
            for crate_dir in stack.assets.iter().filter_map(|a| a.crate_dir.as_deref()) {
                let sources = constructs::function_sources(&root, crate_dir).map_err(|source| {
                    crate::Error::FunctionSources {
                        crate_dir: crate_dir.to_owned(),
                        source: Box::new(source),
                    }
                })?;
                files.extend(sources);
            }
        }
        files.sort();
        files.dedup();
        if files.is_empty() {
            return Err(crate::Error::NothingToWatch);
        }
        target.build(ctx, &dir, &synthesized, &ids)?;
        let opts = DeployOptions {
            require_approval: RequireApproval::Never,
            interactive: false,
            poll: target.poll(),
            ..DeployOptions::default()
        };
        let summary = runtime.block_on(async {
            let session = target.session().await;
            let mut parts = Vec::new();
            for stack in &selected {
                let part = match hotswap::deploy(&session, &dir, stack, &opts, &Terminal).await? {
                    Outcome::Hotswapped(ids) => format!("hotswapped {}", ids.join(", ")),
                    Outcome::NothingToDo => "no changes".to_owned(),
                    Outcome::ChangeSet(Deployed::NoChanges(_)) => "no changes".to_owned(),
                    Outcome::ChangeSet(_) => "deployed with a change set".to_owned(),
                };
                parts.push(format!("{}: {part}", stack.display_name));
            }
            Ok::<_, crate::Error>(parts.join("; "))
        })?;
        Ok((summary, files))
    }
}

/// `HH:MM:SS` (UTC) of `t`.
fn clock(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_utc_time_of_day() {
        let t = UNIX_EPOCH + Duration::from_secs(86_400 * 3 + 3600 * 4 + 60 * 5 + 6);
        assert_eq!(clock(t), "04:05:06");
    }

    #[test]
    fn stamps_change_with_size_and_presence() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![PathBuf::from("a.rs")];
        let missing = stamps(dir.path(), &files);
        assert_eq!(missing[&files[0]], None);
        std::fs::write(dir.path().join("a.rs"), "x").unwrap();
        let one = stamps(dir.path(), &files);
        assert_ne!(one, missing);
        std::fs::write(dir.path().join("a.rs"), "xy").unwrap();
        assert_ne!(stamps(dir.path(), &files), one);
    }
}
