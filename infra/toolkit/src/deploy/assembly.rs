//! Reads a cloud assembly directory (`cdk.out/`) back: what `deploy`, `diff`
//! and `destroy` need to know about each stack, from the files alone, so that
//! the CLI can deploy an assembly synthesized earlier (`--app <dir>`), by this
//! tool or by the AWS CDK.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use constructs::{deployment_order, Dependent};
use serde_json::Value as Json;

use crate::{Error, Result};

/// One file asset of a stack, as listed in `<Stack>.assets.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// The asset's content hash (the key of its entry).
    pub hash: String,
    /// The file, relative to the assembly directory.
    pub source_path: String,
    /// The object key in the staging bucket.
    pub object_key: String,
    /// What the asset is, for people (`displayName`; a function asset's package).
    pub display_name: Option<String>,
}

/// A stack of the assembly, ready to deploy.
#[derive(Debug, Clone)]
pub struct Stack {
    /// The artifact id in `manifest.json`.
    pub artifact_id: String,
    /// The CloudFormation stack name.
    pub stack_name: String,
    /// The construct path (`Dev/Orders`).
    pub display_name: String,
    /// The account from `aws://<account>/<region>`, `None` when environment-agnostic.
    pub account: Option<String>,
    /// The region, `None` when environment-agnostic.
    pub region: Option<String>,
    /// Artifact ids of the stacks this one depends on.
    pub dependencies: Vec<String>,
    /// The template file's text.
    pub template_body: String,
    /// The template, parsed.
    pub template: Json,
    /// Files to publish before deploying.
    pub assets: Vec<Asset>,
    /// Whether the stack must have termination protection.
    pub termination_protection: bool,
    /// Stack tags from the manifest.
    pub tags: BTreeMap<String, String>,
    /// Logical ID → construct path (from the `aws:cdk:logicalId` metadata).
    pub paths: BTreeMap<String, String>,
}

impl Stack {
    /// The construct path of a logical ID, when the manifest knows it.
    pub fn construct_path(&self, logical_id: &str) -> Option<&str> {
        self.paths.get(logical_id).map(String::as_str).or_else(|| {
            self.template
                .pointer(&format!("/Resources/{logical_id}/Metadata/aws:cdk:path"))
                .and_then(Json::as_str)
        })
    }

    /// A stack of `template` alone (no assets, dependencies or manifest metadata), for tests.
    #[cfg(test)]
    pub(crate) fn for_test(stack_name: &str, display_name: &str, template: Json) -> Stack {
        Stack {
            artifact_id: stack_name.to_owned(),
            stack_name: stack_name.to_owned(),
            display_name: display_name.to_owned(),
            account: None,
            region: None,
            dependencies: vec![],
            template_body: template.to_string(),
            template,
            assets: vec![],
            termination_protection: false,
            tags: BTreeMap::new(),
            paths: BTreeMap::new(),
        }
    }

    /// The name shown to the user: the display name, with the stack name when it differs.
    pub fn label(&self) -> String {
        if self.display_name == self.stack_name {
            self.stack_name.clone()
        } else {
            format!("{} ({})", self.display_name, self.stack_name)
        }
    }
}

/// A cloud assembly read from disk.
#[derive(Debug, Clone)]
pub struct Assembly {
    /// The directory it was read from.
    pub dir: PathBuf,
    /// The stacks, in manifest order.
    pub stacks: Vec<Stack>,
}

impl Assembly {
    /// Reads `dir/manifest.json` and the templates and asset manifests it names.
    pub fn read(dir: &Path) -> Result<Assembly> {
        let manifest_path = dir.join("manifest.json");
        let manifest = read_json(&manifest_path).map_err(|e| Error::NotAnAssembly {
            dir: dir.to_path_buf(),
            source: Box::new(e),
        })?;
        let artifacts = manifest
            .get("artifacts")
            .and_then(Json::as_object)
            .ok_or_else(|| missing(&manifest_path, "the manifest".into(), "artifacts"))?;
        let mut stacks = Vec::new();
        for (id, artifact) in artifacts {
            if artifact.get("type").and_then(Json::as_str) != Some("aws:cloudformation:stack") {
                continue;
            }
            stacks.push(read_stack(dir, id, artifact, artifacts)?);
        }
        deployment_order(&stacks)?;
        Ok(Assembly {
            dir: dir.to_path_buf(),
            stacks,
        })
    }

    /// Resolves names given on the command line (stack name, display name or
    /// artifact id); all stacks when `names` is empty and `all` or there is only one.
    pub fn select(&self, names: &[String], all: bool) -> Result<Vec<&Stack>> {
        if names.is_empty() {
            if all || self.stacks.len() <= 1 {
                return Ok(self.stacks.iter().collect());
            }
            return Err(Error::StacksNotNamed {
                known: self.stack_names(),
            });
        }
        names
            .iter()
            .map(|name| {
                self.stacks
                    .iter()
                    .find(|s| {
                        &s.stack_name == name || &s.display_name == name || &s.artifact_id == name
                    })
                    .ok_or_else(|| Error::NotInAssembly {
                        name: name.clone(),
                        dir: self.dir.clone(),
                        known: self.stack_names(),
                    })
            })
            .collect()
    }

    fn stack_names(&self) -> Vec<String> {
        self.stacks.iter().map(|s| s.display_name.clone()).collect()
    }
}

impl Dependent for Stack {
    fn id(&self) -> &str {
        &self.artifact_id
    }

    fn dependencies(&self) -> &[String] {
        &self.dependencies
    }
}

/// `stacks` ordered so that each comes after the stacks it depends on (among
/// those selected); otherwise in the given order ([`constructs::deployment_order`]).
/// [`Assembly::read`] refuses an assembly whose stacks depend on each other in
/// a cycle, so such an order exists.
pub fn dependency_order<'a>(stacks: &[&'a Stack]) -> Vec<&'a Stack> {
    deployment_order(stacks).map_or_else(
        |_| stacks.to_vec(),
        |order| order.into_iter().copied().collect(),
    )
}

fn read_json(path: &Path) -> Result<Json> {
    let text = fs::read_to_string(path).map_err(Error::file("read", path))?;
    serde_json::from_str(&text).map_err(|e| Error::parse(path, "JSON", e))
}

fn missing(file: &Path, entry: String, field: &'static str) -> Error {
    Error::AssemblyField {
        file: file.to_path_buf(),
        entry,
        field,
    }
}

fn read_stack(
    dir: &Path,
    id: &str,
    artifact: &Json,
    artifacts: &serde_json::Map<String, Json>,
) -> Result<Stack> {
    let props = artifact.get("properties").cloned().unwrap_or(Json::Null);
    let str_prop = |name: &str| props.get(name).and_then(Json::as_str).map(str::to_owned);
    let manifest = dir.join("manifest.json");
    let template_file = str_prop("templateFile")
        .ok_or_else(|| missing(&manifest, format!("stack artifact '{id}'"), "templateFile"))?;
    let template_path = dir.join(&template_file);
    let template_body =
        fs::read_to_string(&template_path).map_err(Error::file("read", &template_path))?;
    let template: Json = if template_file.ends_with(".json") {
        serde_json::from_str(&template_body).map_err(|e| Error::parse(&template_path, "JSON", e))?
    } else {
        serde_yaml::from_str(&template_body).map_err(|e| Error::parse(&template_path, "YAML", e))?
    };
    let environment = artifact
        .get("environment")
        .and_then(Json::as_str)
        .unwrap_or("aws://unknown-account/unknown-region");
    let (account, region) = parse_environment(environment);
    let mut dependencies = Vec::new();
    let mut assets = Vec::new();
    for dep in artifact
        .get("dependencies")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
    {
        match artifacts.get(dep) {
            Some(a) if a.get("type").and_then(Json::as_str) == Some("cdk:asset-manifest") => {
                let file = a
                    .pointer("/properties/file")
                    .and_then(Json::as_str)
                    .ok_or_else(|| {
                        missing(
                            &manifest,
                            format!("asset manifest artifact '{dep}'"),
                            "file",
                        )
                    })?;
                assets.extend(read_assets(&dir.join(file))?);
            }
            _ => dependencies.push(dep.to_owned()),
        }
    }
    let paths = artifact
        .get("metadata")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, entries)| {
            entries
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e.get("type").and_then(Json::as_str) == Some("aws:cdk:logicalId"))
                .filter_map(|e| e.get("data").and_then(Json::as_str))
                .map(move |lid| (lid.to_owned(), path.trim_start_matches('/').to_owned()))
        })
        .collect();
    let tags = props
        .get("tags")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect();
    Ok(Stack {
        artifact_id: id.to_owned(),
        stack_name: str_prop("stackName").unwrap_or_else(|| id.to_owned()),
        display_name: artifact
            .get("displayName")
            .and_then(Json::as_str)
            .unwrap_or(id)
            .to_owned(),
        account,
        region,
        dependencies,
        template_body,
        template,
        assets,
        termination_protection: props
            .get("terminationProtection")
            .and_then(Json::as_bool)
            .unwrap_or(false),
        tags,
        paths,
    })
}

/// `aws://123456789012/eu-west-1` → (account, region); `unknown-…` parts are `None`.
pub fn parse_environment(env: &str) -> (Option<String>, Option<String>) {
    let rest = env.strip_prefix("aws://").unwrap_or(env);
    let (account, region) = rest.split_once('/').unwrap_or((rest, ""));
    let known = |s: &str| (!s.is_empty() && !s.starts_with("unknown-")).then(|| s.to_owned());
    (known(account), known(region))
}

fn read_assets(path: &Path) -> Result<Vec<Asset>> {
    let manifest = read_json(path)?;
    let mut out = Vec::new();
    for (hash, entry) in manifest
        .get("files")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
    {
        let source_path = entry
            .pointer("/source/path")
            .and_then(Json::as_str)
            .ok_or_else(|| missing(path, format!("asset {hash}"), "source path"))?;
        let object_key = entry
            .get("destinations")
            .and_then(Json::as_object)
            .and_then(|d| d.values().next())
            .and_then(|d| d.get("objectKey"))
            .and_then(Json::as_str)
            .ok_or_else(|| missing(path, format!("asset {hash}"), "objectKey"))?;
        out.push(Asset {
            hash: hash.clone(),
            source_path: source_path.to_owned(),
            object_key: object_key.to_owned(),
            display_name: entry
                .get("displayName")
                .and_then(Json::as_str)
                .map(str::to_owned),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments() {
        assert_eq!(
            parse_environment("aws://123456789012/eu-west-1"),
            (Some("123456789012".into()), Some("eu-west-1".into()))
        );
        assert_eq!(
            parse_environment("aws://unknown-account/unknown-region"),
            (None, None)
        );
    }

    #[test]
    fn reads_what_synth_writes() {
        use cfn::sns::Topic;
        let app = constructs::App::new();
        let a = app.stack("A");
        let topic = a.add("Topic", Topic::new());
        let b = app.stack("B");
        b.add_tag("team", "orders");
        b.add(
            "Sub",
            cfn::sns::Subscription::new(topic.ref_(), "email").endpoint("ops@example.com"),
        );
        let assembly = app.synth(constructs::Format::Json).unwrap();
        let dir = tempfile::tempdir().unwrap();
        assembly.write(dir.path()).unwrap();
        let read = Assembly::read(dir.path()).unwrap();
        assert_eq!(read.stacks.len(), 2);
        let b = read.select(&["B".into()], false).unwrap()[0];
        assert_eq!(b.dependencies, ["A"]);
        assert_eq!(b.tags["team"], "orders");
        assert_eq!(b.construct_path("Sub"), Some("B/Sub"));
        assert_eq!(b.assets.len(), 1);
        assert!(b.assets[0].object_key.ends_with(".json"));
        let order = dependency_order(&[&read.stacks[1], &read.stacks[0]]);
        assert_eq!(order[0].stack_name, "A");
        let err = read.select(&[], false).unwrap_err().to_string();
        assert!(err.contains("pass --all"), "{err}");
        let err = read
            .select(&["Nope".into()], false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("stack 'Nope' is not in"), "{err}");
    }

    #[test]
    fn refuses_stacks_that_depend_on_each_other() {
        use cfn::sns::Topic;
        let app = constructs::App::new();
        let topic = app.stack("A").add("Topic", Topic::new());
        app.stack("B").add(
            "Sub",
            cfn::sns::Subscription::new(topic.ref_(), "email").endpoint("ops@example.com"),
        );
        let dir = tempfile::tempdir().unwrap();
        app.synth(constructs::Format::Json)
            .unwrap()
            .write(dir.path())
            .unwrap();
        // A manifest edited by hand (or by another tool) so that A also waits for B.
        let path = dir.path().join("manifest.json");
        let mut manifest: Json = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        manifest["artifacts"]["A"]["dependencies"] = serde_json::json!(["B"]);
        fs::write(&path, manifest.to_string()).unwrap();
        let err = Assembly::read(dir.path()).unwrap_err().report();
        assert!(
            err.contains("stacks depend on each other in a cycle: A -> B -> A"),
            "{err}"
        );
    }
}
