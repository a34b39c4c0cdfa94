[package]
name = "writer"
version = "0.1.0"
description = "Stores each event it is invoked with in the app's table"
edition = "2021"
publish = false

[dependencies]
aws-config.workspace = true
aws-sdk-dynamodb.workspace = true
aws-smithy-http-client.workspace = true
lambda_runtime.workspace = true
serde.workspace = true
tokio.workspace = true

[dev-dependencies]
serde_json.workspace = true
