//! Synthesis speed: the real application, and a generated app of 200
//! resources over 5 stacks with cross-stack references (for scale).
//!
//! `cargo bench -p infra --bench synth`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use cfn::dynamodb::table::{KeySchema, KeyType};
use cfn::dynamodb::Table;
use cfn::sns::Topic;
use constructs::value::list;
use constructs::{App, Format};
use criterion::{criterion_group, criterion_main, Criterion};

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// 5 stacks of 40 resources; each stack's topics reference a table of the previous stack.
fn generated_app() -> App {
    let app = App::new();
    let mut previous = None;
    for s in 0..5 {
        let stack = app.stack(&format!("Stack{s}"));
        let mut first_table = None;
        for r in 0..20 {
            let table = stack.add(
                &format!("Table{r}"),
                Table::new(list([KeySchema::new("pk", KeyType::Hash)]))
                    .table_name(format!("t{s}-{r}")),
            );
            let name = match &previous {
                Some(p) => cfn::dynamodb::TableRef::arn(p),
                None => table.arn(),
            };
            stack.add(&format!("Topic{r}"), Topic::new().display_name(name));
            first_table.get_or_insert(table);
        }
        previous = first_table;
    }
    app
}

fn bench(c: &mut Criterion) {
    c.bench_function("synth application (dev)", |b| {
        b.iter(|| {
            let app = infra::app::build(BTreeMap::new(), root()).expect("app builds");
            app.synth(Format::Json).expect("app synthesizes")
        })
    });
    c.bench_function("synth generated 200 resources / 5 stacks", |b| {
        b.iter(|| generated_app().synth(Format::Json).expect("synthesizes"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
