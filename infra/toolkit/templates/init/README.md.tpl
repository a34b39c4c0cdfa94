# {{name}}

An AWS app in Rust: the stack `{{stack}}` (`src/lib.rs`) holds a DynamoDB
table and a Rust Lambda function (`functions/writer`) allowed to write to it.
`src/main.rs` hands the stacks to the `infra` toolkit, whose commands you run
with `cargo run --`.

## Commands

```sh
cargo run -- synth            # write the CloudFormation templates to cdk.out/
cargo test --workspace        # the stack's assertions and the function's tests
cargo run -- build            # build the function for Lambda (needs cargo-lambda and zig)
cargo run -- bootstrap        # once per account and region: the staging bucket
cargo run -- deploy           # build, publish and deploy through a change set
cargo run -- diff             # what a deploy would change
cargo run -- local up         # run it all on this machine (the local engine: TOOLS_DIR, see below)
cargo run -- destroy          # delete the stack (the table is kept)
```

`cargo run -- --help` lists every command. The AWS commands take `--profile`,
`--region` and `--endpoint-url`. `build` and `local up` use the tools that the
toolkit's `scripts/tools.sh` installs (cargo-lambda, zig, the local engine):
point `TOOLS_DIR` at that `.tools/` folder, or put cargo-lambda on `PATH`.

## Layout

- `src/lib.rs`: the stacks (`app::build`); add constructs here.
- `src/main.rs`: the command line.
- `tests/stack.rs`: assertions on the synthesized template.
- `functions/writer`: the function, one crate per function under `functions/`.
- `.github/workflows/ci.yml`: tests and synthesizes on every push and pull request.
