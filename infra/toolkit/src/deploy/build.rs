//! Building function assets with cargo-lambda into the cloud assembly
//! directory, as `asset.<hash>.zip`. The hash covers the sources, so an
//! existing zip of the same hash is reused and nothing is compiled.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use aws_constructs::lambda::Architecture;
use constructs::CloudAssembly;

use super::assets::human_size;
use super::report::Reporter;
use crate::{Error, Result};

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
pub fn jobs(assembly: &CloudAssembly, only: &[String]) -> Result<Vec<Job>> {
    let mut out: Vec<Job> = Vec::new();
    for stack in &assembly.stacks {
        for a in &stack.assets {
            let (Some(package), Some(crate_dir)) = (&a.package, &a.crate_dir) else {
                continue;
            };
            if out.iter().any(|j| j.hash == a.hash) {
                continue;
            }
            let architecture = match a.platform {
                None => Architecture::default(),
                Some(p) => {
                    Architecture::from_lambda_name(p).ok_or_else(|| Error::BadArchitecture {
                        package: package.clone(),
                        platform: p.to_owned(),
                    })?
                }
            };
            out.push(Job {
                package: package.clone(),
                crate_dir: crate_dir.clone(),
                hash: a.hash.clone(),
                file_name: a.source_path.clone(),
                architecture,
            });
        }
    }
    for name in only {
        if !out
            .iter()
            .any(|j| &j.package == name || &j.crate_dir == name)
        {
            return Err(Error::UnknownFunction {
                name: name.clone(),
                known: out.iter().map(|j| j.package.clone()).collect(),
            });
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

/// How [`build`] builds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Build for this architecture instead of the one each asset declares (a warning says so).
    pub arch: Option<Architecture>,
    /// Rebuild zips that exist.
    pub force: bool,
    /// The cargo profile.
    pub profile: Profile,
}

/// The cargo profile of a build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Profile {
    /// `lambda` (workspace `Cargo.toml`): the zips that are deployed (small
    /// and fast to start; slow to build).
    #[default]
    Lambda,
    /// `local` (workspace `Cargo.toml`): zips that never leave this machine,
    /// for `infra local`, built for a short edit-to-running loop.
    Local,
}

impl Profile {
    /// cargo's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Lambda => "lambda",
            Profile::Local => "local",
        }
    }
}

/// Builds every job into `out_dir` (the assembly directory), reusing zips
/// that exist unless `opts.force`. The jobs of one architecture are built in
/// one cargo-lambda pass; the results are in the order of `jobs`.
///
/// `app` is every function of the app (see [`jobs`]): each pass names all of
/// those of its architecture to cargo, so their shared dependencies keep one
/// feature set whichever subset is built. Otherwise a pass for one function
/// unifies features differently and recompiles the AWS SDK (minutes), and the
/// next full pass recompiles it again.
pub fn build(
    root: &Path,
    out_dir: &Path,
    jobs: &[Job],
    app: &[Job],
    opts: &Options,
    report: &dyn Reporter,
) -> Result<Vec<Built>> {
    std::fs::create_dir_all(out_dir).map_err(Error::file("create", out_dir))?;
    let n = jobs.len();
    let mut results: Vec<Option<Built>> = vec![None; n];
    let mut pending: Vec<(usize, Architecture)> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let prefix = format!("[{}/{n}] {}", i + 1, job.package);
        let target = out_dir.join(&job.file_name);
        match std::fs::metadata(&target) {
            Ok(meta) if !opts.force => {
                report.line(&format!(
                    "{prefix}: unchanged (hash {}), reusing {} ({})",
                    &job.hash[..12],
                    target.display(),
                    human_size(meta.len())
                ));
                results[i] = Some(Built {
                    package: job.package.clone(),
                    path: target,
                    size: meta.len(),
                    reused: true,
                });
            }
            _ => {
                let arch = opts.arch.unwrap_or(job.architecture);
                if arch != job.architecture {
                    report.line(&format!(
                        "{prefix}: warning: building for {} although the stack declares {}; the zip will not run on the deployed function",
                        arch.lambda_name(),
                        job.architecture.lambda_name()
                    ));
                }
                pending.push((i, arch));
            }
        }
    }
    if !pending.is_empty() {
        check_cargo_lambda(root)?;
    }
    for (arch, indices) in passes(&pending) {
        // The app's other functions of the same architecture, for feature unification.
        let others: Vec<&str> = app
            .iter()
            .filter(|j| opts.arch.unwrap_or(j.architecture) == arch)
            .map(|j| j.package.as_str())
            .filter(|p| !indices.iter().any(|&i| jobs[i].package == *p))
            .collect();
        let pass = Pass {
            arch,
            profile: opts.profile,
            others: &others,
        };
        for (i, built) in build_pass(root, out_dir, &pass, jobs, &indices, report)? {
            results[i] = Some(built);
        }
    }
    Ok(results.into_iter().flatten().collect())
}

/// The pending jobs (index, architecture) grouped by architecture, in the
/// order each architecture first appears.
fn passes(pending: &[(usize, Architecture)]) -> Vec<(Architecture, Vec<usize>)> {
    let mut out: Vec<(Architecture, Vec<usize>)> = Vec::new();
    for &(i, arch) in pending {
        match out.iter_mut().find(|(a, _)| *a == arch) {
            Some((_, indices)) => indices.push(i),
            None => out.push((arch, vec![i])),
        }
    }
    out
}

/// One cargo-lambda invocation.
struct Pass<'a> {
    arch: Architecture,
    profile: Profile,
    /// Packages built along (compiled already, usually), for feature unification.
    others: &'a [&'a str],
}

/// Builds the jobs at `indices` with one `cargo lambda build` into a fresh
/// lambda directory, and copies each zip into `out_dir`.
fn build_pass(
    root: &Path,
    out_dir: &Path,
    pass: &Pass<'_>,
    jobs: &[Job],
    indices: &[usize],
    report: &dyn Reporter,
) -> Result<Vec<(usize, Built)>> {
    let (arch, n) = (pass.arch, jobs.len());
    let packages: Vec<&str> = indices.iter().map(|&i| jobs[i].package.as_str()).collect();
    report.line(&format!(
        "Building {} function{} for {} with cargo-lambda: {}",
        packages.len(),
        if packages.len() == 1 { "" } else { "s" },
        arch.lambda_name(),
        packages.join(", ")
    ));
    let started = Instant::now();
    // Per process and architecture, so that concurrent builds never share it.
    let lambda_dir = root.join("target").join("infra-lambda").join(format!(
        "{}-{}",
        arch.lambda_name(),
        std::process::id()
    ));
    remove_dir(&lambda_dir)?;
    let status = lambda_build(root, pass, &lambda_dir, &packages)
        .status()
        .map_err(Error::CargoLambdaNotRun)?;
    if !status.success() {
        return Err(Error::CargoLambdaFailed {
            packages: packages.iter().map(|&p| p.to_owned()).collect(),
            status,
        });
    }
    let mut out = Vec::new();
    for &i in indices {
        let job = &jobs[i];
        let built = copy_zip(&lambda_dir, out_dir, job)?;
        report.line(&format!(
            "[{}/{n}] {}: {} {}",
            i + 1,
            job.package,
            built.path.display(),
            human_size(built.size)
        ));
        out.push((i, built));
    }
    // Only on success: after a failure the directory is left for inspection.
    remove_dir(&lambda_dir)?;
    report.line(&format!(
        "cargo-lambda pass for {} ({}) took {:.1} s",
        arch.lambda_name(),
        packages.join(", "),
        started.elapsed().as_secs_f64()
    ));
    Ok(out)
}

/// The `cargo lambda build` of `packages` (and the pass's other packages) for
/// the pass's architecture and profile into `lambda_dir`. One invocation for
/// all: cargo compiles the shared dependencies once, with the features of all
/// the app's functions unified (see [`build`]). With `--locked`: the zips hold
/// exactly the dependencies of `Cargo.lock`, which each asset's hash covers,
/// or the build fails. cargo-lambda comes from the tools venv when it is not
/// on `PATH` ([`crate::tools::path`]).
fn lambda_build(root: &Path, pass: &Pass<'_>, lambda_dir: &Path, packages: &[&str]) -> Command {
    let mut command = Command::new("cargo");
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_for_the_running_crate) {
            command.env_remove(name);
        }
    }
    command
        .current_dir(root)
        .env("PATH", crate::tools::path(root))
        .args([
            "lambda",
            "build",
            "--profile",
            pass.profile.name(),
            "--locked",
        ])
        .args(["--output-format", "zip"])
        .arg(match pass.arch {
            Architecture::Arm64 => "--arm64",
            Architecture::X86_64 => "--x86-64",
        })
        .arg("--lambda-dir")
        .arg(lambda_dir);
    for package in packages.iter().chain(pass.others) {
        command.args(["--package", package]);
    }
    command
}

/// Whether cargo sets the variable `name` for the crate it runs (`cargo run`,
/// `cargo test`: `CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, `OUT_DIR`, …). A build
/// must not inherit them: a build script that watches one (ring's) would then
/// rebuild, with everything above it, in the next build from a shell, such as
/// `scripts/build-functions.sh`.
fn set_for_the_running_crate(name: &str) -> bool {
    const PREFIXES: [&str; 4] = [
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "CARGO_BIN_",
        "CARGO_CRATE_",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
        || [
            "OUT_DIR",
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "CARGO_RUSTC_CURRENT_DIR",
        ]
        .contains(&name)
}

/// Copies `job`'s zip out of cargo-lambda's `lambda_dir` into `out_dir`, as
/// `job.file_name`, atomically. cargo-lambda writes a zip for every binary of
/// the workspace it finds built, at `<lambda_dir>/<binary>/bootstrap.zip`;
/// the binary of each function crate is named after its package.
fn copy_zip(lambda_dir: &Path, out_dir: &Path, job: &Job) -> Result<Built> {
    let zip = lambda_dir.join(&job.package).join("bootstrap.zip");
    if !zip.is_file() {
        return Err(Error::NoZip {
            package: job.package.clone(),
            zip,
            crate_dir: job.crate_dir.clone(),
        });
    }
    let target = out_dir.join(&job.file_name);
    let tmp = out_dir.join(format!(".{}.tmp", job.file_name));
    std::fs::copy(&zip, &tmp)
        .and_then(|_| std::fs::rename(&tmp, &target))
        .map_err(Error::file("write", &target))?;
    let size = std::fs::metadata(&target)
        .map_err(Error::file("read", &target))?
        .len();
    Ok(Built {
        package: job.package.clone(),
        path: target,
        size,
        reused: false,
    })
}

/// Removes `dir` and everything in it; a missing directory is fine.
fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::file("remove", dir)(e)),
        _ => Ok(()),
    }
}

fn check_cargo_lambda(root: &Path) -> Result<()> {
    let ok = Command::new("cargo")
        .env("PATH", crate::tools::path(root))
        .args(["lambda", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return Err(Error::NoCargoLambda);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(package: &str, architecture: Architecture) -> Job {
        Job {
            package: package.to_owned(),
            crate_dir: format!("functions/{package}"),
            hash: format!("{package:0<64}"),
            file_name: format!("asset.{package}.zip"),
            architecture,
        }
    }

    #[test]
    fn cargo_lambda_builds_locked_all_packages_at_once() {
        let pass = Pass {
            arch: Architecture::Arm64,
            profile: Profile::Lambda,
            others: &["c"],
        };
        let command = lambda_build(Path::new("/ws"), &pass, Path::new("/l"), &["a", "b"]);
        let args: Vec<&std::ffi::OsStr> = command.get_args().collect();
        assert_eq!(
            args,
            [
                "lambda",
                "build",
                "--profile",
                "lambda",
                "--locked",
                "--output-format",
                "zip",
                "--arm64",
                "--lambda-dir",
                "/l",
                "--package",
                "a",
                "--package",
                "b",
                "--package",
                "c"
            ]
        );
        assert_eq!(command.get_current_dir(), Some(Path::new("/ws")));
    }

    #[test]
    fn a_build_leaves_out_what_cargo_set_for_the_running_crate() {
        for name in [
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_NAME",
            "CARGO_BIN_EXE_infra",
            "OUT_DIR",
        ] {
            assert!(set_for_the_running_crate(name), "{name}");
        }
        for name in [
            "CARGO_TARGET_DIR",
            "CARGO_HOME",
            "CARGO_PROFILE_LAMBDA_LTO",
            "CARGO",
            "PATH",
        ] {
            assert!(!set_for_the_running_crate(name), "{name}");
        }
        // Under `cargo test` this process has CARGO_MANIFEST_DIR; the build does not.
        let pass = Pass {
            arch: Architecture::Arm64,
            profile: Profile::Lambda,
            others: &[],
        };
        let command = lambda_build(Path::new("/ws"), &pass, Path::new("/l"), &["a"]);
        assert!(command
            .get_envs()
            .any(|(k, v)| k == "CARGO_MANIFEST_DIR" && v.is_none()));
    }

    #[test]
    fn one_pass_per_architecture_in_first_seen_order() {
        use Architecture::{Arm64, X86_64};
        assert_eq!(
            passes(&[(0, X86_64), (1, Arm64), (2, X86_64)]),
            [(X86_64, vec![0, 2]), (Arm64, vec![1])]
        );
        assert!(passes(&[]).is_empty());
    }

    #[test]
    fn each_job_takes_the_zip_of_its_own_binary() {
        let dir = tempfile::tempdir().unwrap();
        let (lambda_dir, out_dir) = (dir.path().join("lambda"), dir.path().join("out"));
        std::fs::create_dir_all(&out_dir).unwrap();
        // cargo-lambda also zips every other binary it finds built.
        for bin in ["a", "b", "stale"] {
            std::fs::create_dir_all(lambda_dir.join(bin)).unwrap();
            std::fs::write(lambda_dir.join(bin).join("bootstrap.zip"), bin).unwrap();
        }
        for package in ["a", "b"] {
            let built =
                copy_zip(&lambda_dir, &out_dir, &job(package, Architecture::Arm64)).unwrap();
            assert_eq!(built.path, out_dir.join(format!("asset.{package}.zip")));
            assert_eq!(std::fs::read_to_string(&built.path).unwrap(), package);
            assert_eq!((built.size, built.reused), (1, false));
        }
        let err = copy_zip(&lambda_dir, &out_dir, &job("c", Architecture::Arm64))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'c'") && err.contains(&lambda_dir.join("c").display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn existing_zips_are_reused_without_building() {
        let dir = tempfile::tempdir().unwrap();
        let jobs = [
            job("a", Architecture::Arm64),
            job("b", Architecture::X86_64),
        ];
        for j in &jobs {
            std::fs::write(dir.path().join(&j.file_name), "zip").unwrap();
        }
        // No cargo-lambda runs: the root does not even exist.
        let report = crate::deploy::report::Recorder::default();
        let built = build(
            &dir.path().join("nowhere"),
            dir.path(),
            &jobs,
            &jobs,
            &Options::default(),
            &report,
        )
        .unwrap();
        let lines = report.lines.borrow();
        assert!(
            lines[0].starts_with("[1/2] a: unchanged (hash "),
            "{lines:?}"
        );
        let names: Vec<(&str, bool)> = built
            .iter()
            .map(|b| (b.package.as_str(), b.reused))
            .collect();
        assert_eq!(names, [("a", true), ("b", true)]);
    }
}
