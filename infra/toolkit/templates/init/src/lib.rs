//! The app's stacks: one stack with a table and a function that writes to it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use aws_constructs::dynamodb::{Attribute, Table, TableProps};
use aws_constructs::lambda::{RustFunction, RustFunctionProps};
use constructs::App;
use rcdk_toolkit::AppError;

/// The stack's id, which is also its CloudFormation stack name.
pub const STACK: &str = "{{stack}}";

/// The environment variable that tells the function its table's name.
pub const TABLE_NAME: &str = "TABLE_NAME";

/// Builds the app for the `-c key=value` context values; function crates are
/// found under `source_root` (the workspace root). Any error type will do
/// (`?` converts into [`AppError`]); the toolkit prints it and exits with 1.
pub fn build(context: BTreeMap<String, String>, source_root: PathBuf) -> Result<App, AppError> {
    let app = App::with_context(context);
    app.set_source_root(source_root);
    let stack = app.stack(STACK);
    // Encrypted, with point-in-time recovery, kept when the stack is deleted.
    let table = Table::new(&stack, "Items", TableProps::new(Attribute::string("id")));
    let writer = RustFunction::new(&stack, "Writer", RustFunctionProps::new("functions/writer"));
    writer.add_environment(TABLE_NAME, table.table_name());
    table.grant_write(&writer);
    Ok(app)
}
