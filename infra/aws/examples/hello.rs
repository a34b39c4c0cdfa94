//! A whole app in one file: a stack with a DynamoDB table and a Rust Lambda
//! function allowed to write to it, synthesized and printed as a
//! CloudFormation template.
//!
//! `cargo run -p rcdk-aws --example hello`. It needs no network and no AWS
//! account: synthesis hashes the function's sources, it does not build them
//! (`cargo lambda build` does, to deploy).

// This workspace names rcdk-constructs `constructs` (a rename in its Cargo.toml); an
// app that depends on `rcdk-constructs` writes `use rcdk_constructs::…` without this line.
extern crate constructs as rcdk_constructs;

use std::error::Error;
use std::path::PathBuf;
use std::{env, fs};

use rcdk_aws::dynamodb::{Attribute, Table, TableProps};
use rcdk_aws::lambda::{RustFunction, RustFunctionProps};
use rcdk_constructs::{App, Format, Output};

fn main() -> Result<(), Box<dyn Error>> {
    let app = App::new();
    // Function crates are named relative to the app's workspace root.
    app.set_source_root(workspace()?);
    let stack = app.stack("Hello");

    let table = Table::new(
        &stack,
        "Greetings",
        TableProps::new(Attribute::string("name")),
    );
    let function = RustFunction::new(
        &stack,
        "Greeter",
        RustFunctionProps::new("functions/greeter"),
    );
    function.add_environment("TABLE_NAME", table.table_name());
    table.grant_write(&function);
    stack.output("GreeterName", Output::new(function.function_name()));

    let assembly = app.synth(Format::Json)?;
    let template = &assembly.stack("Hello").ok_or("no stack 'Hello'")?.template;
    println!("{}", serde_json::to_string_pretty(template)?);
    Ok(())
}

/// A workspace holding the function's crate. A real app has it beside its own
/// crate (and sets the root from `env!("CARGO_MANIFEST_DIR")`); this example
/// writes a minimal one to a temporary folder so that it runs from anywhere.
fn workspace() -> std::io::Result<PathBuf> {
    let root = env::temp_dir().join("rcdk-hello");
    let greeter = root.join("functions/greeter");
    fs::create_dir_all(greeter.join("src"))?;
    fs::write(
        greeter.join("Cargo.toml"),
        "[package]\nname = \"greeter\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )?;
    fs::write(
        greeter.join("src/main.rs"),
        "// The handler: lambda_runtime::run(service_fn(greet)).\nfn main() {}\n",
    )?;
    Ok(root)
}
