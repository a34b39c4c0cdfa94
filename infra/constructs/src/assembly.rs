//! The cloud assembly: what `synth` writes to `cdk.out/`, in the AWS CDK's format.
//!
//! `manifest.json` lists the stacks (with their dependencies, environments and
//! the bootstrap roles of the default synthesizer), each `<Stack>.template.json`
//! holds a template, each `<Stack>.assets.json` lists the files to publish in
//! the cdk-assets format, and `tree.json` is the construct tree. The bytes are
//! a function of the app alone: same app, same files, on every machine.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value as Json};

use crate::asset::{self, FileAsset, BOOTSTRAP_QUALIFIER};
use crate::error::Error;
use crate::order::Dependent;
use crate::render::{self, RenderedStack};
use crate::tree::{App, Kind, NodeId, Tree};
use crate::validate;

/// The cloud assembly schema version written to the manifests.
pub const SCHEMA_VERSION: &str = "48.0.0";
/// The bootstrap stack version whose roles and bucket deployments need.
pub const REQUIRED_BOOTSTRAP_VERSION: u32 = 6;

/// The serialization of templates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// `<Stack>.template.json`, readable by every CloudFormation tool. The default.
    #[default]
    Json,
    /// `<Stack>.template.yaml`.
    Yaml,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Yaml => "yaml",
        }
    }
}

/// One stack of the assembly.
#[derive(Debug, Clone)]
pub struct StackArtifact {
    /// The artifact id in the manifest; equal to the stack name.
    pub artifact_id: String,
    /// The CloudFormation stack name.
    pub stack_name: String,
    /// The construct path, shown by `list` (`Prod/Orders` for a stack in a stage).
    pub display_name: String,
    /// `aws://<account>/<region>`, with `unknown-…` for environment-agnostic stacks.
    pub environment: String,
    /// Artifact ids of the stacks to deploy first.
    pub dependencies: Vec<String>,
    /// The template.
    pub template: Json,
    /// The template's file name inside the assembly.
    pub template_file: String,
    /// The template as written.
    pub template_body: String,
    /// Files to publish before deploying: function code first, then the template.
    pub assets: Vec<FileAsset>,
    /// Whether deletion protection is on.
    pub termination_protection: bool,
    /// Stack tags.
    pub tags: BTreeMap<String, String>,
    /// Construct path → logical ID of every template element.
    pub logical_ids: Vec<(String, String)>,
}

/// A synthesized app: its stacks and the files of the cloud assembly.
#[derive(Debug, Clone)]
pub struct CloudAssembly {
    /// The stacks, in the order they were created.
    pub stacks: Vec<StackArtifact>,
    /// File name → contents, for every file `write` creates.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl App {
    /// Renders and validates every stack, and builds the cloud assembly in memory.
    pub fn synth(&self, format: Format) -> Result<CloudAssembly, Error> {
        let tree = self.tree().borrow();
        let rendered = render::render(&tree).map_err(|problems| Error::Synth { problems })?;
        let mut problems = Vec::new();
        check_stack_names(&tree, &rendered, &mut problems);
        let stacks: Vec<StackArtifact> = rendered
            .into_iter()
            .map(|r| artifact(&tree, r, format, &mut problems))
            .collect();
        if !problems.is_empty() {
            return Err(Error::Synth { problems });
        }
        let mut files = BTreeMap::new();
        for s in &stacks {
            files.insert(
                s.template_file.clone(),
                s.template_body.clone().into_bytes(),
            );
            files.insert(
                format!("{}.assets.json", s.artifact_id),
                to_bytes(&assets_manifest(s)),
            );
        }
        files.insert("manifest.json".to_owned(), to_bytes(&Manifest(&stacks)));
        files.insert("tree.json".to_owned(), to_bytes(&TreeJson(&tree)));
        if let Some(cache) = &tree.sources.cache {
            // Best effort: without the file the next synthesis reads every source again.
            let _ = cache.save();
        }
        Ok(CloudAssembly { stacks, files })
    }
}

impl CloudAssembly {
    /// The stack with this name or display name.
    pub fn stack(&self, name: &str) -> Option<&StackArtifact> {
        self.stacks
            .iter()
            .find(|s| s.stack_name == name || s.display_name == name)
    }

    /// Writes the assembly into `dir`, replacing the templates and manifests of
    /// an earlier synthesis but keeping built assets (`asset.*`).
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        let failed = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Write { path, source }
        };
        fs::create_dir_all(dir).map_err(failed(dir))?;
        for entry in fs::read_dir(dir).map_err(failed(dir))? {
            let entry = entry.map_err(failed(dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = name.ends_with(".template.json")
                || name.ends_with(".template.yaml")
                || name.ends_with(".assets.json")
                || name == "manifest.json"
                || name == "tree.json";
            if ours && !self.files.contains_key(&name) {
                fs::remove_file(entry.path()).map_err(failed(&entry.path()))?;
            }
        }
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            if fs::read(&path).is_ok_and(|old| old == *bytes) {
                continue;
            }
            let tmp = dir.join(format!(".{name}.tmp"));
            fs::write(&tmp, bytes).map_err(failed(&tmp))?;
            fs::rename(&tmp, &path).map_err(failed(&path))?;
        }
        Ok(())
    }
}

/// JSON as the AWS CDK writes it: one-space indentation, key order kept.
#[allow(
    clippy::expect_used,
    reason = "every map written here has string keys, the one way serializing to JSON could fail"
)]
fn to_bytes(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 << 16);
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    value
        .serialize(&mut ser)
        .expect("JSON values always serialize");
    out
}

fn check_stack_names(tree: &Tree, rendered: &[RenderedStack], problems: &mut Vec<String>) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for r in rendered {
        let name = tree.stack_data(r.node).stack_name.as_str();
        let path = tree.nodes[r.node].path.as_str();
        let valid = name.len() <= 128
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid {
            problems.push(format!(
                "{path}: stack name '{name}' is invalid: it must start with a letter and hold at most 128 letters, digits and hyphens"
            ));
        }
        if let Some(other) = seen.insert(name, path) {
            problems.push(format!(
                "{path}: stack name '{name}' is already used by '{other}'; give one of them another name"
            ));
        }
    }
}

fn artifact(
    tree: &Tree,
    r: RenderedStack,
    format: Format,
    problems: &mut Vec<String>,
) -> StackArtifact {
    let data = tree.stack_data(r.node);
    let path = &tree.nodes[r.node].path;
    let template_body = match format {
        Format::Json => String::from_utf8(to_bytes(&r.template)).unwrap_or_default(),
        Format::Yaml => serde_yaml::to_string(&r.template).unwrap_or_default(),
    };
    problems.extend(validate::check_template(
        path,
        &r.template,
        template_body.len(),
    ));
    let template_file = format!("{}.template.{}", data.stack_name, format.extension());
    let mut assets = data.assets.clone();
    assets.push(asset::template_asset(
        &template_file,
        template_body.as_bytes(),
    ));
    StackArtifact {
        artifact_id: data.stack_name.clone(),
        stack_name: data.stack_name.clone(),
        display_name: path.clone(),
        environment: format!(
            "aws://{}/{}",
            data.account.as_deref().unwrap_or("unknown-account"),
            data.region.as_deref().unwrap_or("unknown-region")
        ),
        dependencies: r
            .dependencies
            .iter()
            .map(|&d| tree.stack_data(d).stack_name.clone())
            .collect(),
        template: r.template,
        template_file,
        template_body,
        assets,
        termination_protection: data.termination_protection,
        tags: data.tags.clone(),
        logical_ids: r.logical_ids,
    }
}

fn assets_manifest(stack: &StackArtifact) -> Json {
    let files: Map<String, Json> = stack
        .assets
        .iter()
        .map(|a| (a.hash.clone(), asset::manifest_entry(a)))
        .collect();
    json!({ "version": SCHEMA_VERSION, "files": files, "dockerImages": {} })
}

/// `manifest.json`, serialized straight from the stacks.
struct Manifest<'a>(&'a [StackArtifact]);

impl Serialize for Manifest<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let version_parameter = format!("/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version");
        let bootstrap = |version| BootstrapVersion {
            requires_bootstrap_stack_version: version,
            bootstrap_stack_version_ssm_parameter: &version_parameter,
        };
        let mut artifacts = Vec::with_capacity(2 * self.0.len() + 1);
        for stack in self.0 {
            let assets_id = format!("{}.assets", stack.artifact_id);
            let asset_manifest = json!({
                "type": "cdk:asset-manifest",
                "properties": {
                    "file": format!("{}.assets.json", stack.artifact_id),
                    "requiresBootstrapStackVersion": REQUIRED_BOOTSTRAP_VERSION,
                    "bootstrapStackVersionSsmParameter": version_parameter
                }
            });
            artifacts.push((assets_id.clone(), Artifact::Json(asset_manifest)));
            let template_asset = stack
                .assets
                .last()
                .map(FileAsset::object_key)
                .unwrap_or_default();
            let properties = StackProperties {
                template_file: &stack.template_file,
                termination_protection: stack.termination_protection,
                validate_on_synth: false,
                assume_role_arn: asset::bootstrap_role("deploy"),
                cloud_formation_execution_role_arn: asset::bootstrap_role("cfn-exec"),
                stack_template_asset_object_url: format!(
                    "s3://{}/{template_asset}",
                    asset::staging_bucket_template()
                ),
                bootstrap: bootstrap(REQUIRED_BOOTSTRAP_VERSION),
                additional_dependencies: [assets_id.clone()],
                lookup_role: LookupRole {
                    arn: asset::bootstrap_role("lookup"),
                    bootstrap: bootstrap(8),
                },
                tags: &stack.tags,
            };
            let mut dependencies = stack.dependencies.clone();
            dependencies.push(assets_id);
            let entry = StackEntry {
                kind: "aws:cloudformation:stack",
                environment: &stack.environment,
                properties,
                dependencies,
                metadata: LogicalIds(&stack.logical_ids),
                display_name: &stack.display_name,
            };
            artifacts.push((stack.artifact_id.clone(), Artifact::Stack(Box::new(entry))));
        }
        let tree = json!({ "type": "cdk:tree", "properties": { "file": "tree.json" } });
        artifacts.push(("Tree".to_owned(), Artifact::Json(tree)));

        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("version", SCHEMA_VERSION)?;
        map.serialize_entry("artifacts", &Artifacts(artifacts))?;
        map.end()
    }
}

/// The manifest's artifacts, in order.
struct Artifacts<'a>(Vec<(String, Artifact<'a>)>);

impl Serialize for Artifacts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(id, artifact)| (id, artifact)))
    }
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum Artifact<'a> {
    Json(Json),
    Stack(Box<StackEntry<'a>>),
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct StackEntry<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    environment: &'a str,
    properties: StackProperties<'a>,
    dependencies: Vec<String>,
    metadata: LogicalIds<'a>,
    display_name: &'a str,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct StackProperties<'a> {
    template_file: &'a str,
    termination_protection: bool,
    validate_on_synth: bool,
    assume_role_arn: String,
    cloud_formation_execution_role_arn: String,
    stack_template_asset_object_url: String,
    #[serde(flatten)]
    bootstrap: BootstrapVersion<'a>,
    additional_dependencies: [String; 1],
    lookup_role: LookupRole<'a>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    tags: &'a BTreeMap<String, String>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct BootstrapVersion<'a> {
    requires_bootstrap_stack_version: u32,
    bootstrap_stack_version_ssm_parameter: &'a str,
}

#[derive(serde::Serialize)]
struct LookupRole<'a> {
    arn: String,
    #[serde(flatten)]
    bootstrap: BootstrapVersion<'a>,
}

/// A stack's metadata: each element's construct path → its logical ID.
struct LogicalIds<'a>(&'a [(String, String)]);

impl Serialize for LogicalIds<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Entry<'a> {
            #[serde(rename = "type")]
            kind: &'static str,
            data: &'a str,
        }
        s.collect_map(self.0.iter().map(|(path, lid)| {
            let entry = Entry {
                kind: "aws:cdk:logicalId",
                data: lid,
            };
            (format!("/{path}"), [entry])
        }))
    }
}

/// `tree.json`, serialized straight from the tree (a synthesis spent a
/// twentieth of its time building it as a JSON value first).
struct TreeJson<'t>(&'t Tree);

impl Serialize for TreeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("version", "tree-0.1")?;
        map.serialize_entry("tree", &TreeNode(self.0, 0))?;
        map.end()
    }
}

/// A node of `tree.json`: id, path, children, attributes, construct info.
struct TreeNode<'t>(&'t Tree, NodeId);

impl Serialize for TreeNode<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Attributes {
            #[serde(rename = "aws:cdk:cloudformation:type")]
            resource_type: &'static str,
        }
        #[derive(serde::Serialize)]
        struct ConstructInfo {
            fqn: &'static str,
            version: &'static str,
        }
        struct Children<'t>(&'t Tree, &'t [NodeId]);
        impl Serialize for Children<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let Children(tree, children) = *self;
                s.collect_map(
                    children
                        .iter()
                        .map(|&c| (&tree.nodes[c].id, TreeNode(tree, c))),
                )
            }
        }

        let TreeNode(tree, n) = *self;
        let this = &tree.nodes[n];
        let (fqn, resource_type) = match &this.kind {
            Kind::App => ("infra.App", None),
            Kind::Stage => ("infra.Stage", None),
            Kind::Stack(_) => ("infra.Stack", None),
            Kind::Scope => ("infra.Construct", None),
            Kind::Resource(r) => ("infra.CfnResource", Some(r.resource_type)),
            Kind::Parameter(_) => ("infra.CfnParameter", None),
            Kind::Condition(_) => ("infra.CfnCondition", None),
            Kind::Output(_) => ("infra.CfnOutput", None),
        };
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("id", if n == 0 { "App" } else { this.id.as_str() })?;
        map.serialize_entry("path", &this.path)?;
        if !this.children.is_empty() {
            map.serialize_entry("children", &Children(tree, &this.children))?;
        }
        if let Some(resource_type) = resource_type {
            map.serialize_entry("attributes", &Attributes { resource_type })?;
        }
        let version = env!("CARGO_PKG_VERSION");
        map.serialize_entry("constructInfo", &ConstructInfo { fqn, version })?;
        map.end()
    }
}

impl Dependent for StackArtifact {
    fn id(&self) -> &str {
        &self.artifact_id
    }

    fn dependencies(&self) -> &[String] {
        &self.dependencies
    }
}
