//! Rendering the tree into CloudFormation templates.
//!
//! Every stack is rendered in two passes: logical IDs are assigned for the
//! whole app first, then each element's JSON is rendered and its reference
//! markers resolved. A reference to a construct in another stack becomes
//! `Fn::ImportValue` in the consumer, an `Output` with an `Export` in the
//! producer (named as the AWS CDK names them) and a dependency between the
//! stacks.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value as Json};

use crate::error::Error;
use crate::logical_id::{is_valid, make_unique_id, MAX_ID_LEN};
use crate::tree::{Kind, NodeId, Tree};
use crate::value::{CONDITION_MARKER, GETATT_MARKER, REF_MARKER};

/// One stack's rendered template and what the assembly needs to know about it.
#[derive(Debug)]
pub(crate) struct RenderedStack {
    pub(crate) node: NodeId,
    pub(crate) template: Json,
    /// Stacks (node ids) that must be deployed first, in first-seen order.
    pub(crate) dependencies: Vec<NodeId>,
    /// Construct path → logical ID, for the manifest's metadata.
    pub(crate) logical_ids: Vec<(String, String)>,
}

struct Element {
    stack: NodeId,
    logical_id: String,
}

struct Renderer<'t> {
    tree: &'t Tree,
    elements: HashMap<NodeId, Element>,
    errors: Vec<String>,
    /// Producer stack → output logical ID → (export name, exported value).
    exports: BTreeMap<NodeId, BTreeMap<String, (String, Json)>>,
}

/// Renders every stack of the tree, or returns every problem found.
pub(crate) fn render(tree: &Tree) -> Result<Vec<RenderedStack>, Vec<String>> {
    let mut r = Renderer {
        tree,
        elements: HashMap::new(),
        errors: tree.errors.clone(),
        exports: BTreeMap::new(),
    };
    let stacks = tree.stacks();
    for &stack in &stacks {
        r.assign_logical_ids(stack);
    }
    let mut rendered: Vec<RenderedStack> = stacks.iter().map(|&s| r.render_stack(s)).collect();
    for out in &mut rendered {
        if let Some(exports) = r.exports.remove(&out.node) {
            add_exports(out, exports, &mut r.errors, &tree.nodes[out.node].path);
        }
    }
    check_dependency_cycles(tree, &rendered, &mut r.errors);
    if r.errors.is_empty() {
        Ok(rendered)
    } else {
        Err(r.errors)
    }
}

impl Renderer<'_> {
    fn assign_logical_ids(&mut self, stack: NodeId) {
        let mut seen: HashMap<String, NodeId> = HashMap::new();
        for node in self.tree.descendants(stack) {
            let n = &self.tree.nodes[node];
            if !n.kind.is_template_element() {
                continue;
            }
            let logical_id = match &n.logical_id_override {
                Some(id) => id.clone(),
                None => make_unique_id(&self.tree.components_below_stack(node)).unwrap_or_default(),
            };
            if !is_valid(&logical_id) {
                self.errors.push(format!(
                    "{}: logical ID '{logical_id}' is invalid: it must be 1 to {MAX_ID_LEN} letters and digits",
                    n.path
                ));
            }
            if let Some(&other) = seen.get(&logical_id) {
                self.errors.push(format!(
                    "{}: logical ID '{logical_id}' is already used by '{}'; give one of them another id or override its logical ID",
                    n.path, self.tree.nodes[other].path
                ));
            }
            seen.insert(logical_id.clone(), node);
            self.elements.insert(node, Element { stack, logical_id });
        }
    }

    fn logical_id(&self, node: NodeId) -> &str {
        self.elements
            .get(&node)
            .map(|e| e.logical_id.as_str())
            .unwrap_or_default()
    }

    fn render_stack(&mut self, stack: NodeId) -> RenderedStack {
        let tree = self.tree;
        let data = tree.stack_data(stack);
        let mut deps: Vec<NodeId> = data.depends_on.clone();
        let mut sections: BTreeMap<&str, Map<String, Json>> = BTreeMap::new();
        let mut logical_ids = Vec::new();
        for node in tree.descendants(stack) {
            let n = &tree.nodes[node];
            if !n.kind.is_template_element() {
                continue;
            }
            let lid = self.logical_id(node).to_owned();
            logical_ids.push((n.path.clone(), lid.clone()));
            let mut ctx = Ctx {
                stack,
                path: &n.path,
                deps: &mut deps,
            };
            let (section, body) = match &n.kind {
                Kind::Resource(res) => ("Resources", self.render_resource(node, res, &mut ctx)),
                Kind::Parameter(p) => ("Parameters", p.clone()),
                Kind::Condition(c) => ("Conditions", self.resolve(c.clone(), &mut ctx)),
                Kind::Output(o) => {
                    let mut out = Map::new();
                    if let Some(d) = &o.description {
                        out.insert("Description".into(), Json::from(d.as_str()));
                    }
                    out.insert("Value".into(), self.resolve(o.value.clone(), &mut ctx));
                    if let Some(name) = &o.export_name {
                        let name = self.resolve(name.clone(), &mut ctx);
                        out.insert("Export".into(), json!({ "Name": name }));
                    }
                    if let Some(c) = o.condition {
                        out.insert("Condition".into(), Json::from(self.local_name(c, &mut ctx)));
                    }
                    ("Outputs", Json::Object(out))
                }
                _ => unreachable!("only template elements are rendered"),
            };
            sections.entry(section).or_default().insert(lid, body);
        }
        let mut template = Map::new();
        if let Some(d) = &data.description {
            template.insert("Description".into(), Json::from(d.as_str()));
        }
        for section in ["Parameters", "Conditions", "Resources", "Outputs"] {
            if let Some(body) = sections.remove(section) {
                template.insert(section.into(), Json::Object(body));
            }
        }
        deps.retain(|&d| d != stack);
        RenderedStack {
            node: stack,
            template: Json::Object(template),
            dependencies: dedup(deps),
            logical_ids,
        }
    }

    fn render_resource(
        &mut self,
        node: NodeId,
        res: &crate::resource::ResourceData,
        ctx: &mut Ctx,
    ) -> Json {
        let mut out = Map::new();
        out.insert("Type".into(), Json::from(res.resource_type));
        match res.properties_json() {
            Ok(mut props) => {
                self.resolve_in_place(&mut props, ctx);
                if props.as_object().is_some_and(|m| !m.is_empty()) {
                    out.insert("Properties".into(), props);
                }
            }
            Err(source) => self.errors.push(crate::error::report(&Error::Properties {
                path: ctx.path.to_owned(),
                source,
            })),
        }
        let mut depends_on: Vec<String> = Vec::new();
        for &dep in &res.depends_on {
            let Some(target) = self.elements.get(&dep) else {
                self.errors.push(format!(
                    "{}: depends on '{}', which is not a resource of this app",
                    ctx.path, self.tree.nodes[dep].path
                ));
                continue;
            };
            if target.stack == ctx.stack {
                depends_on.push(target.logical_id.clone());
            } else {
                ctx.deps.push(target.stack);
            }
        }
        if !depends_on.is_empty() {
            depends_on.sort();
            depends_on.dedup();
            out.insert("DependsOn".into(), json!(depends_on));
        }
        if let Some(c) = res.condition {
            out.insert("Condition".into(), Json::from(self.local_name(c, ctx)));
        }
        if let Some(p) = res.update_replace_policy {
            out.insert("UpdateReplacePolicy".into(), json!(p));
        }
        if let Some(p) = res.deletion_policy {
            out.insert("DeletionPolicy".into(), json!(p));
        }
        let mut metadata = Map::new();
        metadata.insert(
            "aws:cdk:path".into(),
            Json::from(self.tree.nodes[node].path.as_str()),
        );
        for (k, v) in &res.metadata {
            metadata.insert(k.clone(), v.clone());
        }
        out.insert("Metadata".into(), Json::Object(metadata));
        Json::Object(out)
    }

    /// The logical name of a condition, which must be in the same stack.
    fn local_name(&mut self, condition: NodeId, ctx: &mut Ctx) -> String {
        match self.elements.get(&condition) {
            Some(e) if e.stack == ctx.stack => e.logical_id.clone(),
            _ => {
                self.errors.push(format!(
                    "{}: uses condition '{}' from another stack; conditions cannot be shared between stacks",
                    ctx.path, self.tree.nodes[condition].path
                ));
                String::new()
            }
        }
    }

    /// The value with its reference markers resolved (see [`Renderer::resolve_in_place`]).
    fn resolve(&mut self, mut value: Json, ctx: &mut Ctx) -> Json {
        self.resolve_in_place(&mut value, ctx);
        value
    }

    /// Replaces reference markers inside `value` by `Ref`, `Fn::GetAtt`,
    /// condition names or, across stacks, `Fn::ImportValue`. In place: only
    /// the markers are rebuilt, every other object and array is kept as it is.
    fn resolve_in_place(&mut self, value: &mut Json, ctx: &mut Ctx) {
        match value {
            Json::Array(items) => items.iter_mut().for_each(|v| self.resolve_in_place(v, ctx)),
            Json::Object(map) => {
                if map.len() == 1 {
                    if let Some(resolved) = self.resolve_marker(map, ctx) {
                        *value = resolved;
                        return;
                    }
                }
                map.values_mut().for_each(|v| self.resolve_in_place(v, ctx));
            }
            _ => {}
        }
    }

    /// What the one-entry object `map` stands for, if it is a reference marker.
    fn resolve_marker(&mut self, map: &Map<String, Json>, ctx: &mut Ctx) -> Option<Json> {
        if let Some(Json::String(path)) = map.get(REF_MARKER) {
            return Some(self.reference(path, None, ctx));
        }
        if let Some(Json::Array(parts)) = map.get(GETATT_MARKER) {
            if let [Json::String(path), Json::String(attr)] = parts.as_slice() {
                return Some(self.reference(path, Some(attr), ctx));
            }
        }
        let Some(Json::String(path)) = map.get(CONDITION_MARKER) else {
            return None;
        };
        Some(match self.tree.find_path(path) {
            Some(node) => Json::from(self.local_name(node, ctx)),
            None => self.dangling(path, ctx),
        })
    }

    fn dangling(&mut self, target: &str, ctx: &Ctx) -> Json {
        self.errors.push(format!(
            "{}: references '{target}', which is not in this app",
            ctx.path
        ));
        Json::Null
    }

    fn reference(&mut self, target_path: &str, attribute: Option<&str>, ctx: &mut Ctx) -> Json {
        let Some(target) = self.tree.find_path(target_path) else {
            return self.dangling(target_path, ctx);
        };
        let referable = match &self.tree.nodes[target].kind {
            Kind::Resource(_) => true,
            Kind::Parameter(_) => attribute.is_none(),
            _ => false,
        };
        let Some(element) = self.elements.get(&target).filter(|_| referable) else {
            self.errors.push(format!(
                "{}: '{target_path}' cannot be referenced{}; only resources (and parameters, by Ref) can",
                ctx.path,
                attribute.map(|a| format!(" with Fn::GetAtt '{a}'")).unwrap_or_default()
            ));
            return Json::Null;
        };
        let local = match attribute {
            None => json!({ "Ref": element.logical_id }),
            Some(attr) => json!({ "Fn::GetAtt": [element.logical_id, attr] }),
        };
        if element.stack == ctx.stack {
            return local;
        }
        let producer = element.stack;
        ctx.deps.push(producer);
        let output_id = format!("Output{}", local);
        let components = ["Exports", output_id.as_str()];
        let output_lid = make_unique_id(&components).unwrap_or_default();
        let prefix = format!("{}:", self.tree.stack_data(producer).stack_name);
        let local_part = output_lid.as_str();
        let keep = MAX_ID_LEN.saturating_sub(prefix.len());
        let export_name = format!(
            "{prefix}{}",
            &local_part[local_part.len().saturating_sub(keep)..]
        );
        self.exports
            .entry(producer)
            .or_default()
            .insert(output_lid, (export_name.clone(), local));
        json!({ "Fn::ImportValue": export_name })
    }
}

struct Ctx<'a> {
    stack: NodeId,
    path: &'a str,
    deps: &'a mut Vec<NodeId>,
}

fn dedup(items: Vec<NodeId>) -> Vec<NodeId> {
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn add_exports(
    stack: &mut RenderedStack,
    exports: BTreeMap<String, (String, Json)>,
    errors: &mut Vec<String>,
    stack_path: &str,
) {
    let Json::Object(template) = &mut stack.template else {
        return;
    };
    let outputs = template
        .entry("Outputs")
        .or_insert_with(|| Json::Object(Map::new()));
    let Json::Object(outputs) = outputs else {
        return;
    };
    for (lid, (name, value)) in exports {
        if outputs.contains_key(&lid) {
            errors.push(format!(
                "{stack_path}: output '{lid}' clashes with the export generated for a cross-stack reference"
            ));
            continue;
        }
        stack
            .logical_ids
            .push((format!("{stack_path}/Exports/{lid}"), lid.clone()));
        outputs.insert(lid, json!({ "Value": value, "Export": { "Name": name } }));
    }
}

fn check_dependency_cycles(tree: &Tree, stacks: &[RenderedStack], errors: &mut Vec<String>) {
    let deps: HashMap<NodeId, &[NodeId]> = stacks
        .iter()
        .map(|s| (s.node, s.dependencies.as_slice()))
        .collect();
    // Depth-first search with colours; report the first cycle found from each stack.
    fn visit(
        n: NodeId,
        deps: &HashMap<NodeId, &[NodeId]>,
        state: &mut HashMap<NodeId, u8>,
        trail: &mut Vec<NodeId>,
    ) -> Option<Vec<NodeId>> {
        match state.get(&n) {
            Some(2) => return None,
            Some(1) => {
                let start = trail.iter().position(|&t| t == n).unwrap_or(0);
                let mut cycle = trail[start..].to_vec();
                cycle.push(n);
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n, 1);
        trail.push(n);
        for &d in deps.get(&n).copied().unwrap_or_default() {
            if let Some(c) = visit(d, deps, state, trail) {
                return Some(c);
            }
        }
        trail.pop();
        state.insert(n, 2);
        None
    }
    let mut state = HashMap::new();
    for s in stacks {
        if let Some(cycle) = visit(s.node, &deps, &mut state, &mut Vec::new()) {
            let names = cycle.iter().map(|&n| tree.nodes[n].path.clone()).collect();
            errors.push(Error::Cycle(names).to_string());
            return;
        }
    }
}
