#!/usr/bin/env node
// Computes CloudFormation logical IDs with the REAL AWS CDK algorithm, to produce the
// test table infra/constructs/tests/data/logical_ids.json.
//
// Generated with aws-cdk-lib 2.276.0 and constructs 10.8.1 (the script prints the
// version it ran with into the JSON as "cdk_version").
//
// The CDK is NOT a dependency of this repository. Install it outside the repo, then run:
//
//   mkdir -p /tmp/cdkids && npm install --prefix /tmp/cdkids aws-cdk-lib@2.276.0 constructs@10.8.1
//   node scripts/cdk-logical-ids.js /tmp/cdkids > infra/constructs/tests/data/logical_ids.json
//
// The install directory may also be given as CDK_LIB_DIR. `--exports` prints, instead,
// the export names and Output logical IDs CDK generates for cross-stack references.
//
// Each case builds a fresh App and Stack, creates plain Constructs for every path
// component but the last, a CfnResource for the last, and asks the stack for the logical
// ID (`stack.getLogicalId(resource)`, which calls `allocateLogicalId` -> `makeUniqueId`
// over the construct ids BELOW the stack). The result is cross-checked against CDK's
// internal `makeUniqueId` loaded from the installed package.
"use strict";

const path = require("path");
const { createRequire } = require("module");

function cdkRequire() {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const dir = args[0] || process.env.CDK_LIB_DIR;
  if (!dir) {
    console.error("usage: node scripts/cdk-logical-ids.js <dir with node_modules/aws-cdk-lib> [--exports]");
    console.error("       (or set CDK_LIB_DIR)");
    process.exit(2);
  }
  const base = path.resolve(dir);
  const req = createRequire(path.join(base, "package.json"));
  const libDir = path.dirname(req.resolve("aws-cdk-lib/package.json"));
  return { req, libDir };
}

const { req, libDir } = cdkRequire();
const cdk = req("aws-cdk-lib");
const { Construct } = req("constructs");
// Internal module, not in the package's "exports" map: load it by file path.
const { makeUniqueId } = require(path.join(libDir, "core/lib/private/uniqueid.js"));
const cdkVersion = req("aws-cdk-lib/package.json").version;

const c40 = (i) => `Component${String(i).padStart(2, "0")}WithAFortyCharacterLongIdentifier`.slice(0, 40);
const longPath = Array.from({ length: 10 }, (_, i) => c40(i));
if (longPath.some((c) => c.length !== 40)) throw new Error("long path components must be 40 chars");

const CASES = [
  // single component
  ["Table"],
  ["my-table_1.x"],
  ["Resource"],
  ["42"],
  ["t".repeat(300)], // longer than 255: hashed and truncated
  ["a".repeat(250) + "-".repeat(20)], // raw > 255, but <= 255 once non-alphanumerics are removed
  // two and three nested components
  ["Api", "Handler"],
  ["Api", "Handler", "Role"],
  // Default
  ["Api", "Default", "Resource"],
  ["Api", "Default", "Handler"],
  ["Table", "Default"],
  ["Default", "Table"],
  ["Default", "Api", "Default", "Method"],
  // Resource
  ["Table", "Resource"],
  ["Api", "Resource", "Method"],
  ["MyResource", "Resource"],
  // duplicated adjacent components (removeDupes compares raw ids with endsWith)
  ["Foo", "Foo", "Bar"],
  ["FooBar", "Bar"],
  ["Foo", "Default", "Foo"],
  ["Bucket", "bucket"],
  // non-alphanumeric ids
  ["my-api", "v1_stage", "get.items"],
  ["My Table", "with spaces"],
  ["tâble"],
  ["tâble", "Résumé", "名前"],
  // pure digits
  ["Api", "2024"],
  ["1", "2", "3"],
  // very long path: 10 components of 40 chars
  longPath,
];

function logicalIdFor(components) {
  const app = new cdk.App();
  const stack = new cdk.Stack(app, "Stack");
  let scope = stack;
  components.slice(0, -1).forEach((id) => {
    scope = new Construct(scope, id);
  });
  const resource = new cdk.CfnResource(scope, components[components.length - 1], { type: "AWS::SNS::Topic" });
  const id = stack.getLogicalId(resource);
  const direct = makeUniqueId([...components]);
  if (id !== direct) throw new Error(`mismatch for ${JSON.stringify(components)}: ${id} vs ${direct}`);
  // Check the value really lands in the template.
  const template = stack.resolve(stack._toCloudFormation());
  if (!Object.prototype.hasOwnProperty.call(template.Resources, id)) {
    throw new Error(`logical id ${id} not in synthesized template for ${JSON.stringify(components)}`);
  }
  return id;
}

function exportCases() {
  // Cross-stack reference: Producer owns resources, Consumer references attributes.
  const app = new cdk.App();
  const producer = new cdk.Stack(app, "Producer");
  const consumer = new cdk.Stack(app, "Consumer");
  const table = new cdk.CfnResource(producer, "Table", { type: "AWS::SNS::Topic" });
  const nested = new Construct(producer, "Api");
  const handler = new cdk.CfnResource(new Construct(nested, "Handler"), "Resource", { type: "AWS::SNS::Topic" });
  new cdk.CfnResource(consumer, "UsesRef", { type: "AWS::SNS::Topic", properties: { TopicName: table.ref } });
  new cdk.CfnResource(consumer, "UsesGetAtt", {
    type: "AWS::SNS::Topic",
    properties: { TopicName: table.getAtt("TopicArn").toString(), DisplayName: handler.getAtt("TopicArn").toString() },
  });
  const asm = app.synth();
  const p = asm.getStackByName("Producer").template;
  const c = asm.getStackByName("Consumer").template;
  return {
    cdk_version: cdkVersion,
    producer_outputs: p.Outputs,
    consumer_resources: c.Resources,
    manifest_version: asm.manifest.version,
    consumer_dependencies: asm.getStackByName("Consumer").dependencies.map((d) => d.id),
  };
}

if (process.argv.includes("--exports")) {
  process.stdout.write(JSON.stringify(exportCases(), null, 2) + "\n");
} else {
  const out = {
    cdk_version: cdkVersion,
    cases: CASES.map((components) => ({ path: components, logical_id: logicalIdFor(components) })),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}
