#!/usr/bin/env node
// Counts the resources of two cloud assemblies by stack and type and prints
// them side by side, to check that the CDK app of scripts/bench/cdk-app is the
// same application as `infra synth`:
//
//   node scripts/bench/count-resources.js <ours: cdk.out dir> <cdk: cdk.out dir>
//
// Stacks are matched by display name (`Dev/Orders`); nested assemblies (the
// CDK writes a Stage's stacks into `assembly-Dev/`) are followed. Exits 1 if a
// stack or a resource count differs: the differences the two apps are allowed
// (see the header of scripts/bench/cdk-app/bin/app.js) are all inside resources.
"use strict";

const fs = require("fs");
const path = require("path");

/** Map display name -> template, for every stack of the assembly in `dir`. */
function stacks(dir, out = new Map()) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  for (const [id, artifact] of Object.entries(manifest.artifacts || {})) {
    const props = artifact.properties || {};
    if (artifact.type === "aws:cloudformation:stack") {
      const template = JSON.parse(fs.readFileSync(path.join(dir, props.templateFile), "utf8"));
      out.set(artifact.displayName || id, template);
    } else if (artifact.type === "cdk:cloud-assembly") {
      stacks(path.join(dir, props.directoryName), out);
    }
  }
  return out;
}

/** Map "Type" -> count of a template's resources, plus its outputs as "(Outputs)". */
function counts(template) {
  const c = new Map();
  for (const r of Object.values(template?.Resources || {})) c.set(r.Type, (c.get(r.Type) || 0) + 1);
  c.set("(Outputs)", Object.keys(template?.Outputs || {}).length);
  return c;
}

function main() {
  const [oursDir, cdkDir] = process.argv.slice(2);
  if (!oursDir || !cdkDir) {
    console.error("usage: count-resources.js <ours cdk.out> <cdk cdk.out>");
    process.exit(2);
  }
  const ours = stacks(oursDir);
  const cdk = stacks(cdkDir);
  const names = [...new Set([...ours.keys(), ...cdk.keys()])].sort();
  const rows = [];
  let differ = 0;
  const totals = [0, 0];
  for (const name of names) {
    const a = counts(ours.get(name));
    const b = counts(cdk.get(name));
    if (!ours.has(name) || !cdk.has(name)) differ++;
    for (const type of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const [x, y] = [a.get(type) || 0, b.get(type) || 0];
      if (type !== "(Outputs)") {
        totals[0] += x;
        totals[1] += y;
        if (x !== y) differ++;
      }
      rows.push([name, type, String(x), String(y), x === y ? "" : "<- differs"]);
    }
  }
  const [x, y] = totals;
  rows.push(["all stacks", "resources", String(x), String(y), x === y ? "" : "<- differs"]);
  const header = ["stack", "type", "ours", "cdk", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const cell = (v, i) => (i === 2 || i === 3 ? v.padStart(widths[i]) : v.padEnd(widths[i]));
  const line = (r) => r.map(cell).join("  ").trimEnd();
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  if (differ > 0) {
    console.error(
      `count-resources: ${differ} stack(s) or resource type(s) differ; ` +
        "the CDK app must be the same application (scripts/bench/cdk-app/bin/app.js)",
    );
    process.exit(1);
  }
}

main();
