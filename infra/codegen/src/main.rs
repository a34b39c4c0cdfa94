//! `cargo run -p rcdk-codegen`: regenerate `infra/cfn` from the vendored schemas.
//! `cargo run -p rcdk-codegen -- vendor <cfnlint/data/schemas>`: refresh the vendored schemas.
//! `cargo run -p rcdk-codegen -- check`: exit 1 when `infra/cfn` differs from the generator's output.

use std::path::Path;
use std::process::ExitCode;

use rcdk_codegen::{Error, Paths};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let paths = Paths::of_workspace();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => regenerate(&paths),
        ["vendor", dir] => rcdk_codegen::vendor(Path::new(dir), &paths).map(|files| {
            eprintln!(
                "vendored {} schemas into {}",
                files.len(),
                paths.codegen.join("schemas").display()
            )
        }),
        ["check"] => check(&paths),
        _ => Err(Error::Usage),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rcdk-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn regenerate(paths: &Paths) -> Result<(), Error> {
    let generated = rcdk_codegen::generate(paths)?;
    let changed = rcdk_codegen::write(paths, &generated)?;
    eprintln!(
        "generated {} files under {} ({changed} changed); {} properties are JsonValue:",
        generated.files.len(),
        paths.cfn.display(),
        generated.json_fallbacks.len()
    );
    for f in &generated.json_fallbacks {
        eprintln!("  {f}");
    }
    Ok(())
}

fn check(paths: &Paths) -> Result<(), Error> {
    let problems = rcdk_codegen::drift(paths, &rcdk_codegen::generate(paths)?)?;
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::Drift(problems))
}
