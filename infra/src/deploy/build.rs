//! Building function assets with cargo-lambda into the cloud assembly
//! directory, as `asset.<hash>.zip`. The hash covers the sources, so an
//! existing zip of the same hash is reused and nothing is compiled.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context as _};
use constructs::{Architecture, CloudAssembly};

use super::assets::human_size;

/// One function asset to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The cargo package (binary) name.
    pub package: String,
    /// Its crate directory, relative to the workspace root.
    pub crate_dir: String,
    /// The asset hash.
    pub hash: String,
    /// The zip's file name in the assembly directory.
    pub file_name: String,
    /// The architecture declared by the asset.
    pub architecture: Architecture,
}

/// The function assets of `assembly`, one per hash, optionally only those of
/// the named packages (or crate directories).
pub fn jobs(assembly: &CloudAssembly, only: &[String]) -> anyhow::Result<Vec<Job>> {
    let mut out: Vec<Job> = Vec::new();
    for stack in &assembly.stacks {
        for a in &stack.assets {
            let (Some(package), Some(crate_dir)) = (&a.package, &a.crate_dir) else {
                continue;
            };
            if out.iter().any(|j| j.hash == a.hash) {
                continue;
            }
            out.push(Job {
                package: package.clone(),
                crate_dir: crate_dir.clone(),
                hash: a.hash.clone(),
                file_name: a.source_path.clone(),
                architecture: a.architecture.unwrap_or(Architecture::Arm64),
            });
        }
    }
    for name in only {
        if !out
            .iter()
            .any(|j| &j.package == name || &j.crate_dir == name)
        {
            let known: Vec<&str> = out.iter().map(|j| j.package.as_str()).collect();
            bail!(
                "no function '{name}' in the app; the functions are: {}",
                if known.is_empty() {
                    "(none)".to_owned()
                } else {
                    known.join(", ")
                }
            );
        }
    }
    out.retain(|j| only.is_empty() || only.iter().any(|n| n == &j.package || n == &j.crate_dir));
    Ok(out)
}

/// What happened to one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The package.
    pub package: String,
    /// Where the zip is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Whether an existing zip was reused.
    pub reused: bool,
}

/// Builds every job into `out_dir` (the assembly directory), reusing zips
/// that exist. `arch` overrides the asset's architecture (a warning says so).
pub fn build(
    root: &Path,
    out_dir: &Path,
    jobs: &[Job],
    arch: Option<Architecture>,
    force: bool,
) -> anyhow::Result<Vec<Built>> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut results = Vec::new();
    let n = jobs.len();
    let mut checked = false;
    for (i, job) in jobs.iter().enumerate() {
        let prefix = format!("[{}/{n}] {}", i + 1, job.package);
        let target = out_dir.join(&job.file_name);
        if !force {
            if let Ok(meta) = std::fs::metadata(&target) {
                eprintln!(
                    "{prefix}: unchanged (hash {}), reusing {} ({})",
                    &job.hash[..12],
                    target.display(),
                    human_size(meta.len())
                );
                results.push(Built {
                    package: job.package.clone(),
                    path: target,
                    size: meta.len(),
                    reused: true,
                });
                continue;
            }
        }
        if !checked {
            check_cargo_lambda()?;
            checked = true;
        }
        let arch = arch.unwrap_or(job.architecture);
        if arch != job.architecture {
            eprintln!(
                "{prefix}: warning: building for {} although the stack declares {}; the zip will not run on the deployed function",
                arch.lambda_name(),
                job.architecture.lambda_name()
            );
        }
        eprintln!(
            "{prefix}: building for {} with cargo-lambda…",
            arch.lambda_name()
        );
        let started = Instant::now();
        let lambda_dir = root.join("target").join("infra-lambda").join(&job.hash);
        let _ = std::fs::remove_dir_all(&lambda_dir);
        let status = Command::new("cargo")
            .current_dir(root)
            .args([
                "lambda",
                "build",
                "--release",
                "--output-format",
                "zip",
                "--package",
            ])
            .arg(&job.package)
            .arg(match arch {
                Architecture::Arm64 => "--arm64",
                Architecture::X86_64 => "--x86-64",
            })
            .arg("--lambda-dir")
            .arg(&lambda_dir)
            .status()
            .context("failed to run 'cargo lambda build'")?;
        if !status.success() {
            bail!(
                "'cargo lambda build --package {}' failed ({status}); see its output above",
                job.package
            );
        }
        let zip = find_zip(&lambda_dir)?.with_context(|| {
            format!(
                "cargo-lambda wrote no bootstrap.zip under {}",
                lambda_dir.display()
            )
        })?;
        let tmp = out_dir.join(format!(".{}.tmp", job.file_name));
        std::fs::copy(&zip, &tmp)
            .and_then(|_| std::fs::rename(&tmp, &target))
            .with_context(|| format!("cannot write {}", target.display()))?;
        let size = std::fs::metadata(&target)?.len();
        eprintln!(
            "{prefix}: {} {} in {:.1} s",
            target.display(),
            human_size(size),
            started.elapsed().as_secs_f64()
        );
        results.push(Built {
            package: job.package.clone(),
            path: target,
            size,
            reused: false,
        });
    }
    Ok(results)
}

fn find_zip(dir: &Path) -> std::io::Result<Option<PathBuf>> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if let Some(found) = find_zip(&path)? {
                return Ok(Some(found));
            }
        } else if path.extension().is_some_and(|e| e == "zip") {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

fn check_cargo_lambda() -> anyhow::Result<()> {
    let ok = Command::new("cargo")
        .args(["lambda", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        bail!("cargo-lambda is not installed: run 'source scripts/tools.sh' (it installs cargo-lambda and zig into .tools/venv and puts them on PATH), or 'pip install cargo-lambda ziglang'");
    }
    Ok(())
}
