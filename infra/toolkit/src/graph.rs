//! The app as a diagram: resources as nodes, grouped by stack, and the edges
//! between them (triggers, invocations, grants, references), read off the
//! synthesized templates so that it can never disagree with what deploys.
//!
//! Plumbing resources (IAM roles and policies, Lambda permissions, resource
//! policies, API Gateway methods and stages) are not drawn; their meaning
//! becomes edges: a policy statement is a `grant` edge from whatever uses the
//! role, a Lambda permission is an `invokes` edge from its source.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use constructs::StackArtifact;
use serde_json::Value as Json;

/// A resource drawn in the diagram.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Node {
    /// `<stack>.<logical id>`, unique in the app.
    pub id: String,
    /// The stack's display name.
    pub stack: String,
    /// The logical ID.
    pub logical_id: String,
    /// The construct path below the stack, without a trailing `/Resource`.
    pub label: String,
    /// The resource type, such as `AWS::Lambda::Function`.
    pub resource_type: String,
}

/// A relation between two drawn resources.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// Node id of the source.
    pub from: String,
    /// Node id of the target.
    pub to: String,
    /// What the relation is (`invokes`, `triggers`, `grant: sns:Publish`, `references`).
    pub label: String,
}

/// The diagram of an app.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    /// Drawn resources, in template order per stack.
    pub nodes: Vec<Node>,
    /// Edges, sorted and without duplicates.
    pub edges: BTreeSet<Edge>,
}

/// Drawn only with `all`: they attach to nearly everything and hide the flow.
const SUPPORTING: &[&str] = &["AWS::KMS::Key", "AWS::Logs::LogGroup"];

const HIDDEN: &[&str] = &[
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::Lambda::Permission",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::Model",
];

/// Builds the diagram of the stacks; `all` also draws keys and log groups.
pub fn build(stacks: &[StackArtifact], all: bool) -> Graph {
    // Export name → producing node, to follow Fn::ImportValue across stacks.
    let mut exports: BTreeMap<String, String> = BTreeMap::new();
    for s in stacks {
        for (_, out) in object(&s.template, "Outputs") {
            if let (Some(name), Some(target)) = (
                out.pointer("/Export/Name").and_then(Json::as_str),
                first_ref(&out["Value"]),
            ) {
                exports.insert(name.to_owned(), node_id(s, &target));
            }
        }
    }
    let mut graph = Graph::default();
    let mut grants: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for s in stacks {
        let resources = object(&s.template, "Resources");
        let kind = |lid: &str| {
            resources
                .get(lid)
                .and_then(|r| r["Type"].as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let visible = |lid: &str| {
            let k = kind(lid);
            resources.contains_key(lid)
                && !HIDDEN.contains(&k.as_str())
                && (all || !SUPPORTING.contains(&k.as_str()))
        };
        let resolve = |r: &Target| match r {
            Target::Local(lid) if visible(lid) => Some(node_id(s, lid)),
            Target::Local(_) => None,
            Target::Import(name) => exports.get(name).cloned(),
        };
        // Which drawn resources use each role (by Ref or GetAtt).
        let mut role_users: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (lid, r) in &resources {
            if !visible(lid) {
                continue;
            }
            for t in refs(&r["Properties"]) {
                if let Target::Local(role) = t {
                    if kind(&role) == "AWS::IAM::Role" {
                        role_users.entry(role).or_default().push(node_id(s, lid));
                    }
                }
            }
        }
        for (lid, r) in &resources {
            let props = &r["Properties"];
            match kind(lid).as_str() {
                "AWS::IAM::Policy" => {
                    let users: Vec<String> = refs(&props["Roles"])
                        .into_iter()
                        .filter_map(|t| match t {
                            Target::Local(role) => role_users.get(&role).cloned(),
                            Target::Import(_) => None,
                        })
                        .flatten()
                        .collect();
                    for st in props
                        .pointer("/PolicyDocument/Statement")
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                    {
                        for target in refs(&st["Resource"]).iter().filter_map(resolve) {
                            for user in &users {
                                grants
                                    .entry((user.clone(), target.clone()))
                                    .or_default()
                                    .extend(actions(st));
                            }
                        }
                    }
                }
                "AWS::Lambda::Permission" => {
                    let function = refs(&props["FunctionName"]).iter().find_map(resolve);
                    let source = refs(&props["SourceArn"]).iter().find_map(|t| match t {
                        Target::Local(l) if kind(l).starts_with("AWS::ApiGateway::") => {
                            rest_api_of(&resources, l).map(|a| node_id(s, &a))
                        }
                        other => resolve(other),
                    });
                    if let (Some(f), Some(src)) = (function, source) {
                        graph.add(&src, &f, "invokes");
                    }
                }
                _ if visible(lid) => {
                    let me = node_id(s, lid);
                    graph.nodes.push(Node {
                        id: me.clone(),
                        stack: s.display_name.clone(),
                        logical_id: lid.clone(),
                        label: label_of(s, lid, r),
                        resource_type: kind(lid),
                    });
                    let label = match kind(lid).as_str() {
                        "AWS::Events::Rule" => "triggers",
                        "AWS::StepFunctions::StateMachine" => "invokes",
                        _ => "references",
                    };
                    for target in refs(props).iter().filter_map(resolve) {
                        if target != me {
                            graph.add(&me, &target, label);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for ((from, to), actions) in grants {
        let mut actions: Vec<String> = actions.into_iter().collect();
        let more = actions.len().saturating_sub(2);
        actions.truncate(2);
        let suffix = if more > 0 {
            format!(" +{more}")
        } else {
            String::new()
        };
        graph.add(
            &from,
            &to,
            &format!("grant: {}{suffix}", actions.join(", ")),
        );
    }
    // A plain reference says nothing more where a specific edge exists.
    let specific: BTreeSet<(String, String)> = graph
        .edges
        .iter()
        .filter(|e| e.label != "references")
        .map(|e| (e.from.clone(), e.to.clone()))
        .collect();
    // An import resolves to its producer even when that is not drawn (another
    // stack's key, say): only edges between drawn nodes stay.
    let drawn: BTreeSet<String> = graph.nodes.iter().map(|n| n.id.clone()).collect();
    graph.edges.retain(|e| {
        drawn.contains(&e.from)
            && drawn.contains(&e.to)
            && (e.label != "references" || !specific.contains(&(e.from.clone(), e.to.clone())))
    });
    graph
}

impl Graph {
    fn add(&mut self, from: &str, to: &str, label: &str) {
        if from != to {
            self.edges.insert(Edge {
                from: from.to_owned(),
                to: to.to_owned(),
                label: label.to_owned(),
            });
        }
    }

    /// The diagram in Mermaid (`flowchart LR`, one subgraph per stack).
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for (stack, nodes) in self.by_stack() {
            let _ = writeln!(out, "  subgraph {}[\"{stack}\"]", sanitize(&stack));
            for n in nodes {
                let _ = writeln!(
                    out,
                    "    {}[\"{}<br/><small>{}</small>\"]",
                    sanitize(&n.id),
                    n.label,
                    n.resource_type
                );
            }
            out.push_str("  end\n");
        }
        for e in &self.edges {
            let _ = writeln!(
                out,
                "  {} -->|{}| {}",
                sanitize(&e.from),
                e.label,
                sanitize(&e.to)
            );
        }
        out
    }

    /// The diagram in Graphviz DOT (one cluster per stack).
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph app {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
        );
        for (i, (stack, nodes)) in self.by_stack().into_iter().enumerate() {
            let _ = writeln!(out, "  subgraph cluster_{i} {{\n    label=\"{stack}\";");
            for n in nodes {
                let _ = writeln!(
                    out,
                    "    \"{}\" [label=\"{}\\n{}\"];",
                    n.id, n.label, n.resource_type
                );
            }
            out.push_str("  }\n");
        }
        for e in &self.edges {
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\"];",
                e.from, e.to, e.label
            );
        }
        out.push_str("}\n");
        out
    }

    fn by_stack(&self) -> Vec<(String, Vec<&Node>)> {
        let mut groups: Vec<(String, Vec<&Node>)> = Vec::new();
        for n in &self.nodes {
            match groups.iter_mut().find(|(s, _)| *s == n.stack) {
                Some((_, v)) => v.push(n),
                None => groups.push((n.stack.clone(), vec![n])),
            }
        }
        groups
    }
}

enum Target {
    Local(String),
    Import(String),
}

fn label_of(stack: &StackArtifact, logical_id: &str, resource: &Json) -> String {
    let path = resource
        .pointer("/Metadata/aws:cdk:path")
        .and_then(Json::as_str)
        .unwrap_or(logical_id);
    let below = path
        .strip_prefix(stack.display_name.as_str())
        .and_then(|p| p.strip_prefix('/'))
        .unwrap_or(path);
    below.strip_suffix("/Resource").unwrap_or(below).to_owned()
}

fn node_id(stack: &StackArtifact, logical_id: &str) -> String {
    format!("{}.{logical_id}", stack.stack_name)
}

fn sanitize(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn object(template: &Json, section: &str) -> BTreeMap<String, Json> {
    template
        .get(section)
        .and_then(Json::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Every resource this value refers to, through `Ref`, `Fn::GetAtt`,
/// `Fn::ImportValue` or `${Name}`/`${Name.Attr}` in `Fn::Sub`.
fn refs(value: &Json) -> Vec<Target> {
    let mut out = Vec::new();
    collect(value, &mut out);
    out
}

fn collect(value: &Json, out: &mut Vec<Target>) {
    match value {
        Json::Array(items) => items.iter().for_each(|v| collect(v, out)),
        Json::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("Ref", Json::String(name)) if !name.starts_with("AWS::") => {
                        out.push(Target::Local(name.clone()))
                    }
                    ("Fn::GetAtt", Json::Array(parts)) => {
                        if let Some(name) = parts.first().and_then(Json::as_str) {
                            out.push(Target::Local(name.to_owned()));
                        }
                    }
                    ("Fn::ImportValue", Json::String(name)) => {
                        out.push(Target::Import(name.clone()))
                    }
                    ("Fn::Sub", sub) => {
                        let template = match sub {
                            Json::String(t) => Some(t.as_str()),
                            Json::Array(a) => a.first().and_then(Json::as_str),
                            _ => None,
                        };
                        for name in template.map(placeholders).unwrap_or_default() {
                            if !name.starts_with("AWS::") {
                                out.push(Target::Local(
                                    name.split('.').next().unwrap_or_default().to_owned(),
                                ));
                            }
                        }
                        collect(sub, out);
                    }
                    _ => collect(v, out),
                }
            }
        }
        _ => {}
    }
}

fn placeholders(template: &str) -> Vec<&str> {
    template
        .split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.starts_with('!'))
        .collect()
}

fn first_ref(value: &Json) -> Option<String> {
    refs(value).into_iter().find_map(|t| match t {
        Target::Local(l) => Some(l),
        Target::Import(_) => None,
    })
}

/// The REST API an API Gateway child resource belongs to.
fn rest_api_of(resources: &BTreeMap<String, Json>, lid: &str) -> Option<String> {
    let r = resources.get(lid)?;
    if r["Type"] == "AWS::ApiGateway::RestApi" {
        return Some(lid.to_owned());
    }
    first_ref(&r["Properties"]["RestApiId"])
}

/// A statement's actions.
fn actions(statement: &Json) -> Vec<String> {
    match &statement["Action"] {
        Json::String(a) => vec![a.clone()],
        Json::Array(a) => a
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stack(name: &str, template: Json) -> StackArtifact {
        StackArtifact {
            artifact_id: name.into(),
            stack_name: name.into(),
            display_name: name.into(),
            environment: String::new(),
            dependencies: vec![],
            template,
            template_file: String::new(),
            template_body: String::new(),
            assets: vec![],
            termination_protection: false,
            tags: Default::default(),
            logical_ids: vec![],
        }
    }

    #[test]
    fn plumbing_becomes_edges() {
        let shared = stack(
            "Shared",
            json!({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}, "Key": {"Type": "AWS::KMS::Key"}},
                   "Outputs": {"Out": {"Value": {"Ref": "Topic"}, "Export": {"Name": "Shared:Topic"}},
                               "KeyOut": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}, "Export": {"Name": "Shared:Key"}}}}),
        );
        let app = stack(
            "App",
            json!({"Resources": {
                "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
                "Role": {"Type": "AWS::IAM::Role"},
                "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {"Statement": [
                    {"Action": "sns:Publish", "Resource": {"Fn::ImportValue": "Shared:Topic"}},
                    {"Action": "kms:Decrypt", "Resource": {"Fn::ImportValue": "Shared:Key"}},
                    {"Action": ["xray:PutTraceSegments"], "Resource": "*"}]}}},
                "Rule": {"Type": "AWS::Events::Rule", "Properties": {"Targets": [{"Arn": {"Fn::GetAtt": ["Fn", "Arn"]}}]}},
                "Perm": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]}, "SourceArn": {"Fn::GetAtt": ["Rule", "Arn"]}}}
            }}),
        );
        let g = build(&[shared, app], false);
        let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["Shared.Topic", "App.Fn", "App.Rule"]);
        assert_eq!(
            g.nodes[1].label, "Fn",
            "the label is the construct path (the logical ID without metadata)"
        );
        let edges: Vec<(&str, &str, &str)> = g
            .edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str(), e.label.as_str()))
            .collect();
        assert_eq!(
            edges,
            [
                ("App.Fn", "Shared.Topic", "grant: sns:Publish"),
                ("App.Rule", "App.Fn", "invokes"),
                ("App.Rule", "App.Fn", "triggers"),
            ]
        );
        let mermaid = g.to_mermaid();
        assert!(
            mermaid.starts_with("flowchart LR\n  subgraph Shared[\"Shared\"]\n"),
            "{mermaid}"
        );
        assert!(
            mermaid.contains("  App_Fn -->|grant: sns:Publish| Shared_Topic\n"),
            "{mermaid}"
        );
        let dot = g.to_dot();
        assert!(
            dot.contains("  \"App.Rule\" -> \"App.Fn\" [label=\"triggers\"];\n"),
            "{dot}"
        );
    }
}
