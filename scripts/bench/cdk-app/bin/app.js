#!/usr/bin/env node
// The application of `infra synth` (default context, `-c env=dev`, no
// pipeline) written with the AWS CDK (aws-cdk-lib L2 constructs), to compare
// whole-process synthesis times: scripts/bench-synth.sh runs it as
//
//   CDK_OUTDIR=<dir> NODE_PATH=<.tools/bench-cdk/node_modules> node bin/app.js
//
// Four stacks in a stage `Dev`: Dev/Orders, Dev/Auction, Dev/Tokens,
// Dev/TwoFactor, with the resources of our templates (scripts/bench/count-
// resources.js prints both side by side). It is the same application, not the
// same bytes: logical ID hashes, policy statement order and some property
// shapes differ. The differences in resources, all small:
//
// - Outputs: the CDK's RestApi writes the stage URL as its own `Endpoint`
//   output; ours is `ApiUrl`. Not resources.
// - Lambda service roles: the CDK attaches the AWSLambdaBasicExecutionRole
//   managed policy; it is removed here (a property override) and each
//   function may write only to its own log group, as ours.
// - API Gateway's logging role (Orders): the CDK's uses the
//   AmazonAPIGatewayPushToCloudWatchLogs managed policy; ours an inline one.
// - Log retention: explicit `logs.LogGroup`s, as ours, and NOT the `logRetention`
//   prop of lambda.Function, which adds a custom resource (a Lambda function, its
//   role and policy, and its code as an asset) per stack.
// - Asset hashes: the CDK hashes the crate directory (`Code.fromAsset`); ours
//   hashes the crate, the workspace crates it depends on by path and
//   Cargo.lock, about three times the bytes. This favours the CDK.
// - IAM statements of the CDK's grants are sometimes wider than ours (e.g.
//   `bucket.grantPut` adds `s3:PutObjectLegalHold`, `kms:ReEncrypt*`), never
//   extra resources. The secret's key gets a statement for Secrets Manager.
//   The KMS key policies give the account `kms:*` (ours lists the actions).
// - The cross-stack grant of the Orders JWT secret to the verify function is
//   written out (lib/two-factor.js): the CDK's `grantRead` would cycle.
"use strict";

const { App, DefaultStackSynthesizer, Stage } = require("aws-cdk-lib");
const { auctionStack } = require("../lib/auction");
const { ordersStack } = require("../lib/orders");
const { tokensStack } = require("../lib/tokens");
const { twoFactorStack } = require("../lib/two-factor");

// The settings, and why each is the CDK's fastest HONEST one (see also
// scripts/bench-synth.sh):
const app = new App({
  // No `aws:cdk:trace` stack trace captured per construct (ours records none).
  stackTraces: false,
  // No AWS::CDK::Metadata resource per stack (ours has none).
  analyticsReporting: false,
  // Validation off: the built-in CloudFormation validation plugin (and, at
  // `app.synth` below, construct validation). Ours still validates every
  // template (infra/constructs/src/validate.rs): this favours the CDK.
  // No policy validation plugins are registered (`Validations.of(app)`).
  builtinCloudFormationValidation: false,
  // tree.json is written, as ours writes it.
  treeMetadata: true,
  // Templates without the BootstrapVersion parameter and rule (ours has none).
  defaultStackSynthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  autoSynth: false,
  context: {
    env: "dev",
    // What the `cdk` CLI sets, and our templates have: `aws:cdk:path` and
    // `aws:asset:*` resource metadata.
    "aws:cdk:enable-path-metadata": true,
    "aws:cdk:enable-asset-metadata": true,
    // Assets are hashed but not copied into the assembly: ours hashes the
    // sources and copies nothing (`infra build` makes the zips later).
    "aws:cdk:disable-asset-staging": true,
  },
});

const stage = new Stage(app, "Dev");
const orders = ordersStack(stage);
auctionStack(stage);
tokensStack(stage);
twoFactorStack(stage, orders);

app.synth({ skipValidation: true });
