//! The construct tree: App → Stage → Stack → constructs, with ids and paths.
//!
//! Handles ([`App`], [`Stage`], [`Stack`], [`Scope`], [`ResourceRef`]) are cheap
//! clones of a shared tree. Adding a construct never fails on the spot: problems
//! such as duplicate ids are recorded with the construct path and reported, all
//! together, when the app is synthesized.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::Value as Json;

use crate::asset::{self, AssetLocation, CrateBuild};
use crate::error::Error;
use crate::resource::{BeingUpdated, ErasedResource, Resource, ResourceData};
use crate::value::{getatt_marker, ref_marker, Value};

/// Index of a node in the tree's arena.
pub(crate) type NodeId = usize;

pub(crate) struct Tree {
    pub(crate) nodes: Vec<Node>,
    pub(crate) context: BTreeMap<String, String>,
    /// The directory asset paths are relative to (the workspace root).
    pub(crate) source_root: std::path::PathBuf,
    /// Manifests and file digests read for function assets, once per app.
    pub(crate) sources: asset::Sources,
    /// Problems found while building, reported at synthesis.
    pub(crate) errors: Vec<String>,
}

pub(crate) struct Node {
    pub(crate) id: String,
    pub(crate) path: String,
    pub(crate) parent: Option<NodeId>,
    pub(crate) children: Vec<NodeId>,
    pub(crate) kind: Kind,
    /// Set by [`ResourceRef::override_logical_id`] and friends.
    pub(crate) logical_id_override: Option<String>,
}

pub(crate) enum Kind {
    App,
    Stage,
    Stack(Box<StackData>),
    Scope,
    Resource(Box<ResourceData>),
    Parameter(Json),
    Condition(Json),
    Output(Box<OutputData>),
}

impl Kind {
    /// Whether the node becomes an element of its stack's template.
    pub(crate) fn is_template_element(&self) -> bool {
        matches!(
            self,
            Kind::Resource(_) | Kind::Parameter(_) | Kind::Condition(_) | Kind::Output(_)
        )
    }
}

/// Settings of a stack.
#[derive(Clone, Debug, Default)]
pub(crate) struct StackData {
    pub(crate) stack_name: String,
    pub(crate) description: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) termination_protection: bool,
    pub(crate) tags: BTreeMap<String, String>,
    /// Stacks this one must be deployed after, besides those its references imply.
    pub(crate) depends_on: Vec<NodeId>,
    /// File assets the stack's resources use, by first use.
    pub(crate) assets: Vec<crate::asset::FileAsset>,
}

#[derive(Clone, Debug)]
pub(crate) struct OutputData {
    pub(crate) value: Json,
    pub(crate) description: Option<String>,
    pub(crate) export_name: Option<Json>,
    pub(crate) condition: Option<NodeId>,
}

impl Tree {
    fn add_node(&mut self, parent: NodeId, id: &str, kind: Kind) -> NodeId {
        let parent_path = &self.nodes[parent].path;
        let path = if parent_path.is_empty() {
            id.to_owned()
        } else {
            format!("{parent_path}/{id}")
        };
        if id.is_empty() {
            self.errors.push(format!(
                "construct id must not be empty (under '{parent_path}')"
            ));
        } else if id.contains('/') {
            self.errors.push(format!(
                "construct id '{id}' under '{parent_path}' must not contain '/'"
            ));
        }
        if let Some(&existing) = self.nodes[parent]
            .children
            .iter()
            .find(|&&c| self.nodes[c].id == id)
        {
            self.errors.push(format!(
                "there is already a construct with id '{id}' at '{}'; construct '{path}' needs a different id",
                self.nodes[existing].path
            ));
        }
        let node = self.nodes.len();
        self.nodes.push(Node {
            id: id.to_owned(),
            path,
            parent: Some(parent),
            children: Vec::new(),
            kind,
            logical_id_override: None,
        });
        self.nodes[parent].children.push(node);
        node
    }

    /// The stack a node belongs to (itself if it is a stack).
    pub(crate) fn stack_of(&self, mut node: NodeId) -> Option<NodeId> {
        loop {
            if matches!(self.nodes[node].kind, Kind::Stack(_)) {
                return Some(node);
            }
            node = self.nodes[node].parent?;
        }
    }

    pub(crate) fn stack_data(&self, stack: NodeId) -> &StackData {
        match &self.nodes[stack].kind {
            Kind::Stack(data) => data,
            _ => unreachable!("node {stack} is not a stack"),
        }
    }

    /// All stacks in creation order.
    pub(crate) fn stacks(&self) -> Vec<NodeId> {
        (0..self.nodes.len())
            .filter(|&n| matches!(self.nodes[n].kind, Kind::Stack(_)))
            .collect()
    }

    /// The descendants of `node` in depth-first creation order, stopping at nested stacks.
    pub(crate) fn descendants(&self, node: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut stack: Vec<NodeId> = self.nodes[node].children.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            if matches!(self.nodes[n].kind, Kind::Stack(_)) {
                continue;
            }
            out.push(n);
            stack.extend(self.nodes[n].children.iter().rev().copied());
        }
        out
    }

    /// The ids on the path from just below the stack down to `node`.
    pub(crate) fn components_below_stack(&self, node: NodeId) -> Vec<&str> {
        let mut parts = Vec::new();
        let mut n = node;
        while !matches!(self.nodes[n].kind, Kind::Stack(_)) {
            parts.push(self.nodes[n].id.as_str());
            match self.nodes[n].parent {
                Some(p) => n = p,
                None => break,
            }
        }
        parts.reverse();
        parts
    }

    pub(crate) fn find_path(&self, path: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.path == path)
    }
}

/// A handle to any node of the tree: the common base of every handle type.
#[derive(Clone)]
pub struct Scope {
    pub(crate) tree: Rc<RefCell<Tree>>,
    pub(crate) node: NodeId,
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Scope").field(&self.path()).finish()
    }
}

impl Scope {
    fn child(&self, id: &str, kind: Kind) -> Scope {
        let node = self.tree.borrow_mut().add_node(self.node, id, kind);
        Scope {
            tree: Rc::clone(&self.tree),
            node,
        }
    }

    /// The construct's id within its parent.
    pub fn id(&self) -> String {
        self.tree.borrow().nodes[self.node].id.clone()
    }

    /// The construct's full path from the app, ids joined by `/`.
    pub fn path(&self) -> String {
        self.tree.borrow().nodes[self.node].path.clone()
    }

    /// A plain construct under this one, to group the constructs of a higher-level construct.
    pub fn scope(&self, id: &str) -> Scope {
        self.child(id, Kind::Scope)
    }

    /// Adds a CloudFormation resource under this construct and returns its typed handle.
    pub fn add<R: Resource>(&self, id: &str, resource: R) -> R::Handle {
        self.require_stack(id, "resource");
        let data = ResourceData::new(Box::new(resource) as Box<dyn ErasedResource>, R::TYPE);
        let scope = self.child(id, Kind::Resource(Box::new(data)));
        R::Handle::from(ResourceRef { scope })
    }

    /// Adds a template parameter under this construct.
    pub fn parameter<T>(&self, id: &str, parameter: crate::Parameter<T>) -> crate::ParameterRef<T> {
        self.require_stack(id, "parameter");
        let scope = self.child(id, Kind::Parameter(parameter.into_json()));
        crate::ParameterRef::new(scope)
    }

    /// Adds a template condition under this construct.
    pub fn condition(&self, id: &str, expression: crate::ConditionExpr) -> crate::Condition {
        self.require_stack(id, "condition");
        let scope = self.child(id, Kind::Condition(expression.into_json()));
        crate::Condition { scope }
    }

    /// Adds a stack output under this construct.
    pub fn output(&self, id: &str, output: crate::Output) -> Scope {
        self.require_stack(id, "output");
        let data = output.into_data();
        self.child(id, Kind::Output(Box::new(data)))
    }

    /// A context value given on the command line (`-c key=value`) or set on the app.
    pub fn context(&self, key: &str) -> Option<String> {
        self.tree.borrow().context.get(key).cloned()
    }

    /// The app this construct belongs to.
    pub fn app(&self) -> App {
        App {
            scope: Scope {
                tree: Rc::clone(&self.tree),
                node: 0,
            },
        }
    }

    /// The stack this construct belongs to; `None` for the app and stages.
    pub fn stack(&self) -> Option<Stack> {
        let stack = self.tree.borrow().stack_of(self.node)?;
        Some(Stack {
            scope: Scope {
                tree: Rc::clone(&self.tree),
                node: stack,
            },
        })
    }

    fn require_stack(&self, id: &str, what: &str) {
        let mut tree = self.tree.borrow_mut();
        if tree.stack_of(self.node).is_none() {
            let path = tree.nodes[self.node].path.clone();
            tree.errors.push(format!(
                "{what} '{id}' must be added inside a stack, not under '{}'",
                if path.is_empty() { "the app" } else { &path }
            ));
        }
    }

    /// The code asset of the crate at `crate_dir` (relative to the app's
    /// source root), built as `build` says, registered with this construct's
    /// stack. Returns where the code will be once published.
    pub fn crate_asset(&self, crate_dir: &str, build: CrateBuild<'_>) -> AssetLocation {
        let mut tree = self.tree.borrow_mut();
        let tree = &mut *tree;
        let result = asset::crate_asset(&tree.source_root, &mut tree.sources, crate_dir, build);
        let stack = tree.stack_of(self.node);
        let path = tree.nodes[self.node].path.clone();
        match (result, stack) {
            (Ok(found), Some(stack)) => {
                let location = asset::location(&found);
                if let Kind::Stack(data) = &mut tree.nodes[stack].kind {
                    if !data.assets.contains(&found) {
                        data.assets.push(found);
                    }
                }
                location
            }
            (Err(e), _) => {
                tree.errors.push(format!(
                    "{path}: function code: {}",
                    crate::error::report(&e)
                ));
                asset::location(&asset::template_asset("missing.zip", b""))
            }
            (Ok(found), None) => {
                tree.errors
                    .push(format!("{path}: assets must be added inside a stack"));
                asset::location(&found)
            }
        }
    }

    /// Every resource under this construct, depth first in creation order.
    /// Unlike the AWS CDK's aspects, which run at synthesis, this sees only
    /// what exists when it is called: build the scope first.
    pub fn resources(&self) -> Vec<ResourceRef> {
        let tree = self.tree.borrow();
        let mut found = Vec::new();
        let mut pending: Vec<NodeId> = tree.nodes[self.node]
            .children
            .iter()
            .rev()
            .copied()
            .collect();
        while let Some(node) = pending.pop() {
            if matches!(tree.nodes[node].kind, Kind::Resource(_)) {
                found.push(ResourceRef {
                    scope: Scope {
                        tree: Rc::clone(&self.tree),
                        node,
                    },
                });
            }
            pending.extend(tree.nodes[node].children.iter().rev().copied());
        }
        found
    }

    /// Records a construction problem, reported when the app is synthesized.
    pub fn add_error(&self, message: impl Into<String>) {
        let path = self.path();
        self.tree
            .borrow_mut()
            .errors
            .push(format!("{path}: {}", message.into()));
    }
}

/// The root of the construct tree: holds stacks and stages, and the context.
#[derive(Clone, Debug)]
pub struct App {
    scope: Scope,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl App {
    /// An empty app with no context.
    pub fn new() -> Self {
        Self::with_context(BTreeMap::new())
    }

    /// An empty app with the given context values (`-c key=value` on the command line).
    pub fn with_context(context: BTreeMap<String, String>) -> Self {
        let tree = Tree {
            nodes: vec![Node {
                id: String::new(),
                path: String::new(),
                parent: None,
                children: Vec::new(),
                kind: Kind::App,
                logical_id_override: None,
            }],
            context,
            source_root: std::path::PathBuf::from("."),
            sources: asset::Sources::default(),
            errors: Vec::new(),
        };
        App {
            scope: Scope {
                tree: Rc::new(RefCell::new(tree)),
                node: 0,
            },
        }
    }

    /// A context value.
    pub fn context(&self, key: &str) -> Option<String> {
        self.scope.context(key)
    }

    /// Sets the directory that asset paths are relative to. Default: the current directory.
    pub fn set_source_root(&self, root: impl Into<std::path::PathBuf>) -> &Self {
        let mut tree = self.scope.tree.borrow_mut();
        tree.source_root = root.into();
        let cache = tree.sources.cache.take();
        tree.sources = asset::Sources::default();
        tree.sources.cache = cache;
        self
    }

    /// Keeps the digests of the files function assets are hashed from in
    /// `file` between syntheses, so that the next one reads only the files
    /// that changed since (see the module `digest_cache` for when a digest is
    /// trusted: the output never depends on it). Set it before adding
    /// functions; [`App::synth`] writes it, and a failure to write it is not
    /// an error (it only costs the next synthesis the reads). Default: none.
    pub fn set_digest_cache(&self, file: impl Into<std::path::PathBuf>) -> &Self {
        self.scope.tree.borrow_mut().sources.cache =
            Some(crate::digest_cache::DigestCache::load(file.into()));
        self
    }

    /// Adds a stack named `id`.
    pub fn stack(&self, id: &str) -> Stack {
        new_stack(&self.scope, id, id.to_owned())
    }

    /// Adds a stage: a group of stacks deployed together (such as one environment).
    pub fn stage(&self, id: &str) -> Stage {
        Stage {
            scope: self.scope.child(id, Kind::Stage),
        }
    }

    /// All stacks of the app, in creation order.
    pub fn stacks(&self) -> Vec<Stack> {
        let tree = self.scope.tree.borrow();
        tree.stacks()
            .into_iter()
            .map(|node| Stack {
                scope: Scope {
                    tree: Rc::clone(&self.scope.tree),
                    node,
                },
            })
            .collect()
    }

    pub(crate) fn tree(&self) -> &Rc<RefCell<Tree>> {
        &self.scope.tree
    }
}

/// A group of stacks under a common path prefix, such as one environment.
/// Stacks in a stage are named `<Stage>-<Stack>` in CloudFormation.
#[derive(Clone, Debug)]
pub struct Stage {
    scope: Scope,
}

impl Stage {
    /// Adds a stack to this stage.
    pub fn stack(&self, id: &str) -> Stack {
        let name = format!("{}-{id}", self.scope.path().replace('/', "-"));
        new_stack(&self.scope, id, name)
    }

    /// A nested stage.
    pub fn stage(&self, id: &str) -> Stage {
        Stage {
            scope: self.scope.child(id, Kind::Stage),
        }
    }
}

fn new_stack(parent: &Scope, id: &str, stack_name: String) -> Stack {
    let data = StackData {
        stack_name,
        ..StackData::default()
    };
    Stack {
        scope: parent.child(id, Kind::Stack(Box::new(data))),
    }
}

/// A CloudFormation stack: the unit of deployment.
#[derive(Clone, Debug)]
pub struct Stack {
    scope: Scope,
}

impl std::ops::Deref for Stack {
    type Target = Scope;
    fn deref(&self) -> &Scope {
        &self.scope
    }
}

impl Stack {
    fn update(&self, f: impl FnOnce(&mut StackData)) {
        let mut tree = self.scope.tree.borrow_mut();
        if let Kind::Stack(data) = &mut tree.nodes[self.scope.node].kind {
            f(data);
        }
    }

    fn read<T>(&self, f: impl FnOnce(&StackData) -> T) -> T {
        f(self.scope.tree.borrow().stack_data(self.scope.node))
    }

    /// The CloudFormation stack name (the id, prefixed with the stage for stacks in a stage).
    pub fn stack_name(&self) -> String {
        self.read(|d| d.stack_name.clone())
    }

    /// Sets the CloudFormation stack name. Default: the id, prefixed by the stage path.
    pub fn set_stack_name(&self, name: impl Into<String>) -> &Self {
        let name = name.into();
        self.update(|d| d.stack_name = name);
        self
    }

    /// Sets the template description. Default: none.
    pub fn set_description(&self, description: impl Into<String>) -> &Self {
        let description = description.into();
        self.update(|d| d.description = Some(description));
        self
    }

    /// Pins the stack to an account and region. Default: environment-agnostic
    /// (`aws://unknown-account/unknown-region`), resolved from the credentials at deploy.
    pub fn set_env(&self, account: impl Into<String>, region: impl Into<String>) -> &Self {
        let (account, region) = (account.into(), region.into());
        self.update(|d| {
            d.account = Some(account);
            d.region = Some(region);
        });
        self
    }

    /// Protects the deployed stack from deletion. Default: off.
    pub fn set_termination_protection(&self, on: bool) -> &Self {
        self.update(|d| d.termination_protection = on);
        self
    }

    /// Adds a stack tag, applied by CloudFormation to every resource that supports tags.
    pub fn add_tag(&self, key: impl Into<String>, value: impl Into<String>) -> &Self {
        let (key, value) = (key.into(), value.into());
        self.update(|d| {
            d.tags.insert(key, value);
        });
        self
    }

    /// Deploys this stack after `other`, in addition to dependencies implied by references.
    pub fn add_dependency(&self, other: &Stack) -> &Self {
        let other = other.scope.node;
        self.update(|d| {
            if !d.depends_on.contains(&other) {
                d.depends_on.push(other);
            }
        });
        self
    }

    /// The environment string of the cloud assembly: `aws://<account>/<region>`.
    pub fn environment(&self) -> String {
        self.read(|d| {
            format!(
                "aws://{}/{}",
                d.account.as_deref().unwrap_or("unknown-account"),
                d.region.as_deref().unwrap_or("unknown-region")
            )
        })
    }
}

/// CloudFormation's `DeletionPolicy` and `UpdateReplacePolicy` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RemovalPolicy {
    /// Delete the physical resource with the stack.
    Delete,
    /// Keep the physical resource when the stack no longer manages it.
    Retain,
    /// Take a final snapshot before deleting (databases, volumes).
    Snapshot,
    /// Keep the resource unless the stack creation itself failed.
    RetainExceptOnCreate,
}

/// A handle to a resource in the tree: references, dependencies, policies and
/// escape hatches. Generated typed handles dereference to it.
#[derive(Clone, Debug)]
pub struct ResourceRef {
    pub(crate) scope: Scope,
}

impl std::ops::Deref for ResourceRef {
    type Target = Scope;
    fn deref(&self) -> &Scope {
        &self.scope
    }
}

impl ResourceRef {
    fn update(&self, f: impl FnOnce(&mut ResourceData)) {
        let mut tree = self.scope.tree.borrow_mut();
        if let Kind::Resource(data) = &mut tree.nodes[self.scope.node].kind {
            f(data);
        }
    }

    /// The resource's CloudFormation type, such as `AWS::S3::Bucket`.
    pub fn resource_type(&self) -> &'static str {
        match &self.scope.tree.borrow().nodes[self.scope.node].kind {
            Kind::Resource(data) => data.resource_type,
            _ => unreachable!("a ResourceRef always points at a resource"),
        }
    }

    /// `Ref` to this resource (what it returns depends on the resource type).
    pub fn ref_value<T>(&self) -> Value<T> {
        ref_marker(&self.scope.path())
    }

    /// `Fn::GetAtt` of one of this resource's attributes, by CloudFormation name.
    pub fn get_att<T>(&self, attribute: &str) -> Value<T> {
        getatt_marker(&self.scope.path(), attribute)
    }

    /// Replaces the logical ID derived from the path. Checked at synthesis.
    pub fn override_logical_id(&self, logical_id: impl Into<String>) -> &Self {
        let id = logical_id.into();
        self.scope.tree.borrow_mut().nodes[self.scope.node].logical_id_override = Some(id);
        self
    }

    /// Creates this resource after `other` (`DependsOn`). Across stacks this
    /// becomes a dependency between the stacks.
    pub fn add_depends_on(&self, other: &ResourceRef) -> &Self {
        let other = other.scope.node;
        self.update(|d| {
            if !d.depends_on.contains(&other) {
                d.depends_on.push(other);
            }
        });
        self
    }

    /// Sets both `DeletionPolicy` and `UpdateReplacePolicy`.
    pub fn apply_removal_policy(&self, policy: RemovalPolicy) -> &Self {
        self.update(|d| {
            d.deletion_policy = Some(policy);
            d.update_replace_policy = Some(policy);
        });
        self
    }

    /// Sets `DeletionPolicy` alone.
    pub fn set_deletion_policy(&self, policy: RemovalPolicy) -> &Self {
        self.update(|d| d.deletion_policy = Some(policy));
        self
    }

    /// Sets `UpdateReplacePolicy` alone.
    pub fn set_update_replace_policy(&self, policy: RemovalPolicy) -> &Self {
        self.update(|d| d.update_replace_policy = Some(policy));
        self
    }

    /// Creates this resource only when `condition` holds.
    pub fn set_condition(&self, condition: &crate::Condition) -> &Self {
        let c = condition.scope.node;
        self.update(|d| d.condition = Some(c));
        self
    }

    /// Adds an entry to the resource's `Metadata`.
    pub fn add_metadata(&self, key: impl Into<String>, value: Json) -> &Self {
        let key = key.into();
        self.update(|d| {
            d.metadata.insert(key, value);
        });
        self
    }

    /// Escape hatch: sets a property by dotted path (`"A.B.C"`), overriding the
    /// typed value. Like the AWS CDK's `addPropertyOverride`.
    pub fn add_property_override(&self, path: impl Into<String>, value: Json) -> &Self {
        let path = path.into();
        self.update(|d| d.overrides.push((path, value)));
        self
    }

    /// The `Properties` object as it stands: typed properties with overrides
    /// applied, references not yet resolved (they render at synthesis).
    pub fn properties_json(&self) -> Result<Json, Error> {
        let tree = self.scope.tree.borrow();
        let node = &tree.nodes[self.scope.node];
        match &node.kind {
            Kind::Resource(data) => data.properties_json().map_err(|source| Error::Properties {
                path: node.path.clone(),
                source,
            }),
            _ => unreachable!("a ResourceRef always points at a resource"),
        }
    }

    /// Changes the typed properties after the resource was added (for
    /// higher-level constructs that accumulate settings, like grants). `f`
    /// may read other constructs (their attributes, paths, properties): the
    /// properties are taken out of the tree while it runs, so the tree is
    /// not borrowed. This resource's own [`ResourceRef::properties_json`]
    /// is an error meanwhile.
    ///
    /// # Panics
    /// If `R` is not the resource's type; typed handles make that impossible.
    #[allow(
        clippy::panic,
        reason = "a typed handle only ever names a resource of its own type"
    )]
    pub fn update_properties<R: Resource>(&self, f: impl FnOnce(&mut R)) {
        let mut properties: Box<dyn ErasedResource> = Box::new(BeingUpdated);
        self.update(|d| std::mem::swap(&mut d.properties, &mut properties));
        let typed: &mut dyn Any = properties.as_any_mut();
        match typed.downcast_mut::<R>() {
            Some(typed) => f(typed),
            None => panic!(
                "update_properties::<{}> called on a {} resource",
                R::TYPE,
                self.resource_type()
            ),
        }
        self.update(|d| d.properties = properties);
    }
}
