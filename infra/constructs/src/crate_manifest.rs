//! What hashing a crate asset reads of a `Cargo.toml`.
//!
//! Parsing TOML was a seventh of a whole `infra synth`, so the digest cache
//! records each manifest's summary under the SHA-256 of its bytes: a synthesis
//! parses only the manifests that changed, and a recorded summary cannot be
//! stale, since a different manifest has a different digest.

use serde::{Deserialize, Serialize};

/// How a dependency names a crate of the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Local {
    /// `path = "…"`, relative to the manifest's directory.
    Path(String),
    /// `workspace = true`: whatever `[workspace.dependencies]` says.
    Workspace,
}

/// The parts of a `Cargo.toml` that an asset hash depends on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CrateManifest {
    /// `[package] name`.
    pub(crate) package: Option<String>,
    /// The `[dependencies]` and `[build-dependencies]` that may be workspace
    /// crates, by dependency name.
    pub(crate) dependencies: Vec<(String, Local)>,
    /// `[profile]`, as TOML text.
    pub(crate) profiles: Option<String>,
    /// `[workspace.dependencies]`, as TOML text.
    pub(crate) workspace_dependencies: Option<String>,
    /// The `path` of each `[workspace.dependencies]` entry that has one.
    pub(crate) workspace_paths: Vec<(String, String)>,
}

impl CrateManifest {
    /// Reads the summary out of a manifest's text.
    pub(crate) fn parse(text: &str) -> Result<CrateManifest, toml::de::Error> {
        let table: toml::Table = text.parse()?;
        let mut dependencies = Vec::new();
        for section in ["dependencies", "build-dependencies"] {
            let Some(deps) = table.get(section).and_then(|d| d.as_table()) else {
                continue;
            };
            for (name, spec) in deps {
                let local = if let Some(path) = spec.get("path").and_then(|p| p.as_str()) {
                    Local::Path(path.to_owned())
                } else if spec.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
                    Local::Workspace
                } else {
                    continue;
                };
                dependencies.push((name.clone(), local));
            }
        }
        let workspace_deps = table.get("workspace").and_then(|w| w.get("dependencies"));
        let workspace_paths = workspace_deps
            .and_then(|d| d.as_table())
            .into_iter()
            .flatten()
            .filter_map(|(name, spec)| {
                let path = spec.get("path")?.as_str()?;
                Some((name.clone(), path.to_owned()))
            })
            .collect();
        Ok(CrateManifest {
            package: table
                .get("package")
                .and_then(|p| p.get("name"))
                .and_then(|n| n.as_str())
                .map(str::to_owned),
            dependencies,
            profiles: table.get("profile").map(|p| p.to_string()),
            workspace_dependencies: workspace_deps.map(|d| d.to_string()),
            workspace_paths,
        })
    }

    /// The `path` of the workspace dependency `name`, if it is a workspace crate.
    pub(crate) fn workspace_path(&self, name: &str) -> Option<&str> {
        self.workspace_paths
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, path)| path.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_package_its_local_dependencies_and_the_workspace_settings() {
        let m = CrateManifest::parse(
            r#"
[package]
name = "api"

[dependencies]
serde = "1"
shared = { path = "../shared" }
jwt.workspace = true
tokio = { version = "1", features = ["rt"] }

[build-dependencies]
gen = { path = "../gen" }

[workspace.dependencies]
jwt = { path = "fns/jwt", version = "0.1" }
anyhow = "1"

[profile.release]
lto = true
"#,
        )
        .unwrap();
        assert_eq!(m.package.as_deref(), Some("api"));
        assert_eq!(
            m.dependencies,
            [
                ("jwt".to_owned(), Local::Workspace),
                ("shared".to_owned(), Local::Path("../shared".into())),
                ("gen".to_owned(), Local::Path("../gen".into())),
            ]
        );
        assert_eq!(m.workspace_path("jwt"), Some("fns/jwt"));
        assert_eq!(m.workspace_path("anyhow"), None);
        assert_eq!(m.profiles.as_deref(), Some("{ release = { lto = true } }"));
        assert!(m.workspace_dependencies.unwrap().contains("jwt"));
    }
}
