#!/usr/bin/env python3
"""Cold-start initialisation of each Lambda function, measured on this machine.

For every function of a synthesized assembly, starts its binary as Lambda would (the
environment of its template, a Runtime API on 127.0.0.1) and measures the time from just
before the process is spawned to its first `GET /2018-06-01/runtime/invocation/next`: all
the work a function does before it can take its first event (loading, logging set-up,
configuration, SDK clients). The process is then stopped; no event is ever sent.

    scripts/bench-init.py --assembly cdk.out --bin-dir target/x86_64-unknown-linux-gnu/lambda

`--bin-dir` holds one executable per package (`<dir>/<package>`, as `cargo build --profile
lambda --target <host>` writes them). References in the templates' environments (`Ref`,
`Fn::GetAtt`, …) are replaced by placeholders of the same shape (ARNs where the variable
names one): the functions only store them before their first event.
"""

import argparse
import http.server
import json
import os
import pathlib
import statistics
import subprocess
import sys
import threading
import time

NEXT = "/2018-06-01/runtime/invocation/next"


class RuntimeApi(http.server.ThreadingHTTPServer):
    """A Runtime API that notes when `next` is first asked for and never answers it."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.asked = threading.Event()
        self.asked_at = 0

    def reset(self):
        self.asked.clear()
        self.asked_at = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path == NEXT and not self.server.asked.is_set():
            self.server.asked_at = time.perf_counter_ns()
            self.server.asked.set()
        # No answer: the process is stopped before it could matter.
        self.close_connection = True

    def log_message(self, *_):
        pass


def placeholder(name: str) -> str:
    """A stand-in for a value the template resolves at deployment."""
    if name.endswith("_ARN") or name.endswith("_ARNS"):
        return "arn:aws:sns:eu-west-1:000000000000:placeholder"
    return "placeholder"


def functions(assembly: pathlib.Path) -> dict[str, dict[str, str]]:
    """Package name → environment, for every function in the assembly."""
    found = {}
    for manifest in sorted(assembly.glob("*.assets.json")):
        names = {h: f.get("displayName", h) for h, f in json.loads(manifest.read_text())["files"].items()}
        template = json.loads(manifest.with_name(manifest.name.replace(".assets.json", ".template.json")).read_text())
        for resource in template["Resources"].values():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            asset = resource.get("Metadata", {}).get("aws:asset:path", "")
            package = names.get(asset.removeprefix("asset.").removesuffix(".zip"))
            if package is None:
                continue
            variables = resource["Properties"].get("Environment", {}).get("Variables", {})
            found[package] = {k: v if isinstance(v, str) else placeholder(k) for k, v in variables.items()}
    return found


def measure(binary: pathlib.Path, package: str, variables: dict[str, str], api: RuntimeApi) -> float:
    """One cold start in milliseconds."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.server_port}",
        "AWS_LAMBDA_FUNCTION_NAME": f"bench-{package}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/bench-{package}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "AKIDBENCHMARK",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "_HANDLER": "bootstrap",
        **variables,
    }
    api.reset()
    started = time.perf_counter_ns()
    process = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not api.asked.wait(10):
            process.kill()
            _, err = process.communicate(timeout=5)
            raise SystemExit(f"bench-init: {package} never asked for an event:\n{err.decode(errors='replace')}")
        return (api.asked_at - started) / 1e6
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assembly", type=pathlib.Path, required=True, help="a synthesized assembly (cdk.out)")
    parser.add_argument("--bin-dir", type=pathlib.Path, required=True, help="one executable per package")
    parser.add_argument("--runs", type=int, default=30, help="cold starts per function (default 30)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    api = RuntimeApi()
    threading.Thread(target=api.serve_forever, daemon=True).start()
    results = {}
    try:
        for package, variables in sorted(functions(args.assembly).items()):
            binary = args.bin_dir / package
            if not binary.is_file():
                raise SystemExit(f"bench-init: {binary} not found: build the functions first (see --help)")
            measure(binary, package, variables, api)  # warm the page cache
            times = sorted(measure(binary, package, variables, api) for _ in range(args.runs))
            results[package] = {
                "median_ms": round(statistics.median(times), 2),
                "p90_ms": round(times[int(len(times) * 0.9) - 1], 2),
                "min_ms": round(times[0], 2),
                "runs": len(times),
            }
    finally:
        api.shutdown()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{'function':<20} {'median ms':>10} {'p90 ms':>8} {'min ms':>8}")
        for package, r in results.items():
            print(f"{package:<20} {r['median_ms']:>10.2f} {r['p90_ms']:>8.2f} {r['min_ms']:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
