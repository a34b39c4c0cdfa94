//! `infra build`: compile the app's functions with cargo-lambda into the cloud assembly.

use aws_constructs::lambda::Architecture;

use super::report::Terminal;
use super::Context;
use crate::deploy::assets::human_size;
use crate::deploy::build;

/// Build the app's Lambda functions with cargo-lambda (release, zip) into
/// cdk.out/asset.<hash>.zip. A function whose asset hash is unchanged is not
/// rebuilt: its zip is reused.
#[derive(Debug, clap::Args)]
pub struct Build {
    /// Functions to build, by package name or crate directory (default: all).
    #[arg(value_name = "FUNCTION")]
    functions: Vec<String>,
    /// Build for this architecture instead of the one each function declares (arm64 unless the stack says otherwise).
    #[arg(long, value_enum)]
    arch: Option<Architecture>,
    /// Rebuild even when a zip of the same hash exists.
    #[arg(long)]
    force: bool,
    /// The cloud assembly directory to synthesize and build into.
    #[arg(short, long, value_name = "DIR", default_value = "cdk.out")]
    output: std::path::PathBuf,
}

impl Build {
    /// Runs the command.
    pub fn run(&self, ctx: &Context) -> crate::Result<()> {
        let assembly = ctx.synthesize()?;
        super::write_assembly(&assembly, &self.output)?;
        let jobs = build::jobs(&assembly, &self.functions)?;
        if jobs.is_empty() {
            eprintln!("The app has no function assets; nothing to build");
            return Ok(());
        }
        let root = ctx.source_root()?;
        let opts = build::Options {
            arch: self.arch,
            force: self.force,
            ..build::Options::default()
        };
        let app = build::jobs(&assembly, &[])?;
        let built = build::build(&root, &self.output, &jobs, &app, &opts, &Terminal)?;
        let width = built.iter().map(|b| b.package.len()).max().unwrap_or(0);
        let fresh = built.iter().filter(|b| !b.reused).count();
        eprintln!(
            "Built {fresh} function{}, reused {}:",
            if fresh == 1 { "" } else { "s" },
            built.len() - fresh
        );
        for b in &built {
            println!(
                "{:width$}  {:>10}  {}{}",
                b.package,
                human_size(b.size),
                b.path.display(),
                if b.reused { "  (unchanged)" } else { "" }
            );
        }
        Ok(())
    }
}
