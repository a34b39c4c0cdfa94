#!/usr/bin/env node
// Prints the table of scripts/bench-synth.sh from hyperfine's JSON export and
// the peak memory measured with /usr/bin/time -v:
//
//   node scripts/bench/synth-report.js <hyperfine.json> <rss file>
//
// The rss file has one line per measured process: `<command name> <max RSS in KiB>`.
// The first command of the hyperfine run is ours, the baseline of the ratios; the
// CDK's row is the one named `cdk`.
"use strict";

const fs = require("fs");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (seconds) => (seconds * 1000).toFixed(1);
const mib = (kib) => (kib / 1024).toFixed(1);

function main() {
  const [jsonFile, rssFile] = process.argv.slice(2);
  const { results } = JSON.parse(fs.readFileSync(jsonFile, "utf8"));
  const rss = new Map();
  for (const line of fs.readFileSync(rssFile, "utf8").split("\n").filter(Boolean)) {
    const [name, kib] = line.split(" ");
    rss.set(name, [...(rss.get(name) || []), Number(kib)]);
  }
  const rows = results.map((r) => ({
    name: r.command,
    median: r.median,
    mean: r.mean,
    stddev: r.stddev || 0,
    min: r.min,
    cpu: (r.user || 0) + (r.system || 0),
    runs: r.times.length,
    rss: rss.has(r.command) ? median(rss.get(r.command)) : NaN,
  }));
  const base = rows[0];
  const cdk = rows.find((r) => r.name === "cdk");
  const table = [
    ["command", "runs", "median ms", "mean ± σ ms", "min ms", "CPU ms (user+sys)", "max RSS MiB"],
    ...rows.map((r) => [
      r.name,
      String(r.runs),
      ms(r.median),
      `${ms(r.mean)} ± ${ms(r.stddev)}`,
      ms(r.min),
      ms(r.cpu),
      mib(r.rss),
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const cell = (v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]));
  for (const row of table) console.log(row.map(cell).join("  "));
  if (cdk && cdk !== base) {
    const ratio = (a, b) => (a / b).toFixed(1);
    console.log(
      `\nratio cdk / ${base.name}: median ${ratio(cdk.median, base.median)}×, ` +
        `CPU ${ratio(cdk.cpu, base.cpu)}×, max RSS ${ratio(cdk.rss, base.rss)}×`,
    );
  }
  console.log("(max RSS: median of the /usr/bin/time -v runs; CPU: hyperfine's mean user + system time)");
}

main();
