[package]
name = "{{name}}"
version = "0.1.0"
edition = "2021"
rust-version = "1.85"
publish = false

# The stacks are a library (`app::build`) so that tests can build them; the
# binary hands them to the toolkit.
[lib]
name = "app"

[dependencies]
rcdk-toolkit.workspace = true
constructs.workspace = true
aws-constructs.workspace = true

[dev-dependencies]
serde_json = "1"

[workspace]
resolver = "2"
members = ["functions/*"]

[workspace.dependencies]
{{dependencies}}
# The functions: the AWS SDK without default features, TLS through rustls + ring.
aws-config = { version = "1", default-features = false, features = ["rt-tokio", "behavior-version-latest"] }
aws-sdk-dynamodb = { version = "1", default-features = false, features = ["rt-tokio", "behavior-version-latest"] }
aws-smithy-http-client = { version = "1", default-features = false, features = ["rustls-ring", "rt-tokio"] }
lambda_runtime = "1"
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["macros"] }
{{patch}}
# Tests and debug builds keep line tables only, dependencies no debug info:
# test binaries that link the AWS SDK stay small.
[profile.dev]
debug = "line-tables-only"

[profile.dev.package."*"]
debug = false

# `infra build` and `infra deploy` build the functions with this profile.
[profile.lambda]
inherits = "release"
lto = true
codegen-units = 1
strip = true
opt-level = "z"
panic = "abort"

# `infra local up` builds the functions for this machine with this profile.
[profile.local]
inherits = "release"
codegen-units = 256
opt-level = 0
incremental = true
