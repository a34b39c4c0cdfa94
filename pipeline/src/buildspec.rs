//! A typed CodeBuild buildspec (version 0.2), rendered to YAML: commands are
//! data, so a test can read what a step runs without parsing YAML.

use std::collections::BTreeMap;

use serde::Serialize;

/// A buildspec: environment variables, phases in order, and the output artifact.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BuildSpec {
    version: &'static str,
    #[serde(skip_serializing_if = "Env::is_empty")]
    env: Env,
    phases: Phases,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifacts: Option<Artifacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache: Option<Cache>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct Env {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    variables: BTreeMap<String, String>,
}

impl Env {
    fn is_empty(&self) -> bool {
        self.variables.is_empty()
    }
}

/// The phases CodeBuild runs, in this order.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct Phases {
    #[serde(skip_serializing_if = "Option::is_none")]
    install: Option<Commands>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pre_build: Option<Commands>,
    #[serde(skip_serializing_if = "Option::is_none")]
    build: Option<Commands>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
struct Commands {
    commands: Vec<String>,
}

/// Files of the output artifact.
#[derive(Clone, Debug, PartialEq, Serialize)]
struct Artifacts {
    files: Vec<String>,
}

/// Paths kept between builds (CodeBuild local cache).
#[derive(Clone, Debug, PartialEq, Serialize)]
struct Cache {
    paths: Vec<String>,
}

/// A build phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Installs tools.
    Install,
    /// Runs before the build.
    PreBuild,
    /// The build itself.
    Build,
}

impl BuildSpec {
    /// An empty buildspec, version 0.2.
    pub fn new() -> BuildSpec {
        BuildSpec {
            version: "0.2",
            ..BuildSpec::default()
        }
    }

    /// Sets an environment variable for every command.
    pub fn env(mut self, name: &str, value: &str) -> BuildSpec {
        self.env.variables.insert(name.into(), value.into());
        self
    }

    /// Appends commands to a phase.
    pub fn commands<I, S>(mut self, phase: Phase, commands: I) -> BuildSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let slot = match phase {
            Phase::Install => &mut self.phases.install,
            Phase::PreBuild => &mut self.phases.pre_build,
            Phase::Build => &mut self.phases.build,
        };
        slot.get_or_insert_with(Commands::default)
            .commands
            .extend(commands.into_iter().map(Into::into));
        self
    }

    /// The files (globs relative to the source root) of the output artifact.
    pub fn artifact_files<I, S>(mut self, files: I) -> BuildSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.artifacts = Some(Artifacts {
            files: files.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Paths cached between builds.
    pub fn cache_paths<I, S>(mut self, paths: I) -> BuildSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.cache = Some(Cache {
            paths: paths.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Whether the buildspec names paths to cache (the project then needs a cache location).
    pub fn has_cache(&self) -> bool {
        self.cache.is_some()
    }

    /// Every command, phase by phase, in the order CodeBuild runs them.
    pub fn all_commands(&self) -> Vec<&str> {
        [
            &self.phases.install,
            &self.phases.pre_build,
            &self.phases.build,
        ]
        .into_iter()
        .flatten()
        .flat_map(|c| c.commands.iter().map(String::as_str))
        .collect()
    }

    /// The buildspec as YAML, what CodeBuild reads.
    #[allow(
        clippy::expect_used,
        reason = "a buildspec is strings, lists and maps with string keys: YAML always holds them"
    )]
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("a buildspec is plain strings and maps")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_phases_in_order_and_skips_empty_sections() {
        let spec = BuildSpec::new()
            .env("CARGO_TERM_COLOR", "never")
            .commands(Phase::Build, ["cargo build"])
            .commands(Phase::Install, ["pip install cargo-lambda"])
            .artifact_files(["cdk.out/**/*"]);
        assert_eq!(
            spec.to_yaml(),
            "version: '0.2'\nenv:\n  variables:\n    CARGO_TERM_COLOR: never\nphases:\n  install:\n    commands:\n    - pip install cargo-lambda\n  build:\n    commands:\n    - cargo build\nartifacts:\n  files:\n  - cdk.out/**/*\n"
        );
        assert_eq!(
            spec.all_commands(),
            ["pip install cargo-lambda", "cargo build"]
        );
        let bare = BuildSpec::new().commands(Phase::Build, ["true"]);
        assert_eq!(
            bare.to_yaml(),
            "version: '0.2'\nphases:\n  build:\n    commands:\n    - 'true'\n"
        );
    }
}
