//! The committed `infra/cfn` sources are exactly what the generator produces
//! from the vendored schemas.

use rcdk_codegen::{drift, generate, Paths};

#[test]
fn generated_code_matches_the_vendored_schemas() {
    let paths = Paths::of_workspace();
    let generated = generate(&paths).expect("generation succeeds");
    let problems = drift(&paths, &generated).expect("infra/cfn is readable");
    assert!(
        problems.is_empty(),
        "infra/cfn is out of date with the generator:\n  {}\nRegenerate with `cargo run -p rcdk-codegen` and commit the result.",
        problems.join("\n  ")
    );
}

#[test]
fn every_listed_type_is_vendored() {
    let paths = Paths::of_workspace();
    for t in rcdk_codegen::resource_types(&paths).unwrap() {
        let file = paths
            .codegen
            .join("schemas")
            .join(rcdk_codegen::naming::schema_file(&t));
        assert!(
            file.is_file(),
            "{t}: {} is missing; run `cargo run -p rcdk-codegen -- vendor <dir>`",
            file.display()
        );
    }
}
