//! Template differences: resources added, removed and changed (down to the
//! property), parameters and outputs, and the security-relevant changes (IAM
//! statements, resource policies, Lambda permissions, security group rules)
//! that decide whether a deployment broadens permissions.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value as Json};

/// Whether something was added, removed or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only in the new template.
    Added,
    /// Only in the old template.
    Removed,
    /// In both, different.
    Modified,
}

impl Kind {
    fn mark(self) -> &'static str {
        match self {
            Kind::Added => "[+]",
            Kind::Removed => "[-]",
            Kind::Modified => "[~]",
        }
    }
}

/// One changed value inside a resource (or parameter/output), by its path.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueChange {
    /// Dotted path from the element: `Properties.MemorySize`.
    pub path: String,
    /// The old value, `None` when added.
    pub old: Option<Json>,
    /// The new value, `None` when removed.
    pub new: Option<Json>,
}

/// A template element (resource, parameter, output) that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementDiff {
    /// The logical ID.
    pub logical_id: String,
    /// The resource type (the new one when it changed); empty for parameters and outputs.
    pub resource_type: String,
    /// Added, removed or modified.
    pub kind: Kind,
    /// Value-level changes (modified elements only).
    pub changes: Vec<ValueChange>,
}

/// A security-relevant element of a template, rendered as one line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SecurityItem {
    /// The logical ID of the resource that carries it.
    pub owner: String,
    /// `IAM statement`, `managed policy`, `Lambda permission` or `security group rule`.
    pub category: &'static str,
    /// Whether it grants (Allow, permission, ingress/egress rule) rather than denies.
    pub grants: bool,
    /// Readable description: effect, actions, resources, principal, condition.
    pub text: String,
}

/// A security item that was added or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityChange {
    /// Added or removed.
    pub kind: Kind,
    /// The item.
    pub item: SecurityItem,
}

/// The differences between two templates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateDiff {
    /// Resources, in the new template's order, then removed ones.
    pub resources: Vec<ElementDiff>,
    /// Parameters.
    pub parameters: Vec<ElementDiff>,
    /// Outputs.
    pub outputs: Vec<ElementDiff>,
    /// Other top-level sections (Description, Conditions, Mappings, …) that changed.
    pub other: Vec<ValueChange>,
    /// Security changes, added first.
    pub security: Vec<SecurityChange>,
}

impl TemplateDiff {
    /// No difference at all.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
            && self.parameters.is_empty()
            && self.outputs.is_empty()
            && self.other.is_empty()
            && self.security.is_empty()
    }

    /// Whether the new template grants something the old one did not (an Allow
    /// statement, a managed policy, a Lambda permission or a security group rule).
    pub fn broadens_permissions(&self) -> bool {
        self.security
            .iter()
            .any(|c| c.kind == Kind::Added && c.item.grants)
    }

    /// The diff as text; `path_of` gives the construct path of a logical ID.
    pub fn render(&self, path_of: &dyn Fn(&str) -> Option<String>) -> String {
        let mut out = String::new();
        if self.is_empty() {
            out.push_str("There were no differences\n");
            return out;
        }
        if !self.security.is_empty() {
            out.push_str("IAM and security changes");
            if self.broadens_permissions() {
                out.push_str(" (broadening: new permissions are granted)");
            }
            out.push('\n');
            for c in &self.security {
                let _ = writeln!(
                    out,
                    "{} {} {}: {}",
                    c.kind.mark(),
                    c.item.category,
                    c.item.owner,
                    c.item.text
                );
            }
            out.push('\n');
        }
        for (title, elements) in [
            ("Parameters", &self.parameters),
            ("Resources", &self.resources),
            ("Outputs", &self.outputs),
        ] {
            if elements.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{title}");
            for e in elements {
                let mut line = format!("{} ", e.kind.mark());
                if !e.resource_type.is_empty() {
                    line.push_str(&e.resource_type);
                    line.push(' ');
                }
                line.push_str(&e.logical_id);
                if let Some(path) = path_of(&e.logical_id) {
                    let _ = write!(line, " {path}");
                }
                let _ = writeln!(out, "{line}");
                let n = e.changes.len();
                for (i, c) in e.changes.iter().enumerate() {
                    let branch = if i + 1 == n { "└─" } else { "├─" };
                    let _ = writeln!(out, " {branch} {}", render_change(c));
                }
            }
            out.push('\n');
        }
        if !self.other.is_empty() {
            out.push_str("Other changes\n");
            for c in &self.other {
                let _ = writeln!(out, "{}", render_change(c));
            }
            out.push('\n');
        }
        out
    }
}

fn render_change(c: &ValueChange) -> String {
    match (&c.old, &c.new) {
        (None, Some(new)) => format!("[+] {}: {}", c.path, short(new)),
        (Some(old), None) => format!("[-] {}: {}", c.path, short(old)),
        (Some(old), Some(new)) => format!("[~] {}: {} → {}", c.path, short(old), short(new)),
        (None, None) => format!("[~] {}", c.path),
    }
}

/// Compact JSON, cut at 120 characters.
fn short(v: &Json) -> String {
    let s = readable(v);
    if s.chars().count() > 120 {
        let cut: String = s.chars().take(117).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// Compact JSON with `Ref`/`Fn::GetAtt` shown as `${Name}`/`${Name.Attr}`.
pub fn readable(v: &Json) -> String {
    match v {
        Json::String(s) => format!("{s:?}"),
        Json::Object(m) if m.len() == 1 => match m.iter().next() {
            Some((k, Json::String(name))) if k == "Ref" => format!("${{{name}}}"),
            Some((k, Json::Array(a))) if k == "Fn::GetAtt" && a.len() == 2 => {
                format!(
                    "${{{}.{}}}",
                    a[0].as_str().unwrap_or("?"),
                    a[1].as_str().unwrap_or("?")
                )
            }
            Some((k, Json::String(s))) if k == "Fn::GetAtt" => format!("${{{s}}}"),
            _ => v.to_string(),
        },
        Json::Array(items) => {
            let inner: Vec<String> = items.iter().map(readable).collect();
            format!("[{}]", inner.join(","))
        }
        Json::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k:?}:{}", readable(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        other => other.to_string(),
    }
}

/// Compares two templates (`old` may be `Json::Null` for a stack that does not exist yet).
pub fn diff_templates(old: &Json, new: &Json) -> TemplateDiff {
    let section = |t: &Json, name: &str| t.get(name).and_then(Json::as_object).cloned();
    let empty = Map::new();
    let mut diff = TemplateDiff {
        resources: diff_section(
            section(old, "Resources").as_ref().unwrap_or(&empty),
            section(new, "Resources").as_ref().unwrap_or(&empty),
            true,
        ),
        parameters: diff_section(
            section(old, "Parameters").as_ref().unwrap_or(&empty),
            section(new, "Parameters").as_ref().unwrap_or(&empty),
            false,
        ),
        outputs: diff_section(
            section(old, "Outputs").as_ref().unwrap_or(&empty),
            section(new, "Outputs").as_ref().unwrap_or(&empty),
            false,
        ),
        ..TemplateDiff::default()
    };
    let mut keys: Vec<&String> = Vec::new();
    for t in [new, old] {
        for k in t.as_object().into_iter().flat_map(|m| m.keys()) {
            if !["Resources", "Parameters", "Outputs"].contains(&k.as_str()) && !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    for k in keys {
        values(k, old.get(k), new.get(k), &mut diff.other);
    }
    let before: BTreeSet<SecurityItem> = security_items(old).into_iter().collect();
    let after: BTreeSet<SecurityItem> = security_items(new).into_iter().collect();
    diff.security = after
        .difference(&before)
        .map(|i| SecurityChange {
            kind: Kind::Added,
            item: i.clone(),
        })
        .chain(before.difference(&after).map(|i| SecurityChange {
            kind: Kind::Removed,
            item: i.clone(),
        }))
        .collect();
    diff
}

fn diff_section(old: &Map<String, Json>, new: &Map<String, Json>, typed: bool) -> Vec<ElementDiff> {
    let type_of = |v: &Json| {
        if typed {
            v.get("Type")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_owned()
        } else {
            String::new()
        }
    };
    let mut out = Vec::new();
    for (id, n) in new {
        match old.get(id) {
            None => out.push(ElementDiff {
                logical_id: id.clone(),
                resource_type: type_of(n),
                kind: Kind::Added,
                changes: Vec::new(),
            }),
            Some(o) if o != n => {
                let mut changes = Vec::new();
                values("", Some(o), Some(n), &mut changes);
                out.push(ElementDiff {
                    logical_id: id.clone(),
                    resource_type: type_of(n),
                    kind: Kind::Modified,
                    changes,
                });
            }
            Some(_) => {}
        }
    }
    for (id, o) in old {
        if !new.contains_key(id) {
            out.push(ElementDiff {
                logical_id: id.clone(),
                resource_type: type_of(o),
                kind: Kind::Removed,
                changes: Vec::new(),
            });
        }
    }
    out
}

/// Recursively lists the differences between two values under `path`.
fn values(path: &str, old: Option<&Json>, new: Option<&Json>, out: &mut Vec<ValueChange>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match (old, new) {
        (Some(o), Some(n)) if o == n => {}
        (Some(Json::Object(o)), Some(Json::Object(n))) if !is_intrinsic(o) && !is_intrinsic(n) => {
            for (k, nv) in n {
                values(&join(k), o.get(k), Some(nv), out);
            }
            for (k, ov) in o {
                if !n.contains_key(k) {
                    values(&join(k), Some(ov), None, out);
                }
            }
        }
        (Some(Json::Array(o)), Some(Json::Array(n))) if o.len() == n.len() => {
            for (i, (ov, nv)) in o.iter().zip(n).enumerate() {
                values(&format!("{path}[{i}]"), Some(ov), Some(nv), out);
            }
        }
        (None, None) => {}
        (o, n) => out.push(ValueChange {
            path: path.to_owned(),
            old: o.cloned(),
            new: n.cloned(),
        }),
    }
}

fn is_intrinsic(m: &Map<String, Json>) -> bool {
    m.len() == 1
        && m.keys()
            .next()
            .is_some_and(|k| k == "Ref" || k.starts_with("Fn::") || k == "Condition")
}

/// Every security-relevant element of a template.
pub fn security_items(template: &Json) -> Vec<SecurityItem> {
    let mut out = Vec::new();
    let Some(resources) = template.get("Resources").and_then(Json::as_object) else {
        return out;
    };
    for (id, r) in resources {
        let ty = r.get("Type").and_then(Json::as_str).unwrap_or("");
        let props = r.get("Properties").cloned().unwrap_or(Json::Null);
        let p = |name: &str| props.get(name);
        let mut documents: Vec<(&str, &Json)> = Vec::new();
        match ty {
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                documents.extend(p("PolicyDocument").map(|d| ("", d)));
            }
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                documents.extend(p("AssumeRolePolicyDocument").map(|d| ("trust: ", d)));
                for policy in p("Policies").and_then(Json::as_array).into_iter().flatten() {
                    documents.extend(policy.get("PolicyDocument").map(|d| ("", d)));
                }
                for arn in p("ManagedPolicyArns")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    out.push(SecurityItem {
                        owner: id.clone(),
                        category: "managed policy",
                        grants: true,
                        text: readable(arn),
                    });
                }
            }
            "AWS::S3::BucketPolicy"
            | "AWS::SNS::TopicPolicy"
            | "AWS::SQS::QueuePolicy"
            | "AWS::Events::EventBusPolicy" => {
                documents.extend(p("PolicyDocument").map(|d| ("resource policy: ", d)));
            }
            "AWS::SecretsManager::ResourcePolicy" => {
                documents.extend(p("ResourcePolicy").map(|d| ("resource policy: ", d)));
            }
            "AWS::KMS::Key" => {
                documents.extend(p("KeyPolicy").map(|d| ("key policy: ", d)));
            }
            "AWS::Lambda::Permission" => {
                let mut text = format!(
                    "{} may {} {}",
                    p("Principal").map(readable).unwrap_or_default(),
                    p("Action").map(readable).unwrap_or_default(),
                    p("FunctionName").map(readable).unwrap_or_default()
                );
                if let Some(src) = p("SourceArn") {
                    let _ = write!(text, " from {}", readable(src));
                }
                out.push(SecurityItem {
                    owner: id.clone(),
                    category: "Lambda permission",
                    grants: true,
                    text,
                });
            }
            "AWS::EC2::SecurityGroup" => {
                for (dir, key) in [
                    ("ingress", "SecurityGroupIngress"),
                    ("egress", "SecurityGroupEgress"),
                ] {
                    for rule in p(key).and_then(Json::as_array).into_iter().flatten() {
                        out.push(SecurityItem {
                            owner: id.clone(),
                            category: "security group rule",
                            grants: true,
                            text: format!("{dir} {}", readable(rule)),
                        });
                    }
                }
            }
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                let dir = if ty.ends_with("Ingress") {
                    "ingress"
                } else {
                    "egress"
                };
                out.push(SecurityItem {
                    owner: id.clone(),
                    category: "security group rule",
                    grants: true,
                    text: format!("{dir} {}", readable(&props)),
                });
            }
            _ => {}
        }
        for (prefix, doc) in documents {
            let statements = match doc.get("Statement") {
                Some(Json::Array(s)) => s.clone(),
                Some(s) => vec![s.clone()],
                None => Vec::new(),
            };
            for s in statements {
                let effect = s.get("Effect").and_then(Json::as_str).unwrap_or("Allow");
                let mut text = format!("{prefix}{effect}");
                for (key, label) in [
                    ("Principal", "principal"),
                    ("Action", "action"),
                    ("NotAction", "not-action"),
                    ("Resource", "resource"),
                    ("NotResource", "not-resource"),
                    ("Condition", "condition"),
                ] {
                    if let Some(v) = s.get(key) {
                        let _ = write!(text, " {label} {}", readable(v));
                    }
                }
                out.push(SecurityItem {
                    owner: id.clone(),
                    category: "IAM statement",
                    grants: effect == "Allow",
                    text,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn old() -> Json {
        json!({
            "Description": "v1",
            "Resources": {
                "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"BillingMode": "PAY_PER_REQUEST"}},
                "Function": {"Type": "AWS::Lambda::Function", "Properties": {
                    "MemorySize": 256,
                    "Environment": {"Variables": {"TABLE": {"Ref": "Table"}}}
                }},
                "Old": {"Type": "AWS::SNS::Topic"},
                "Role": {"Type": "AWS::IAM::Role", "Properties": {
                    "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                    "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
                        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}
                    ]}}]
                }}
            },
            "Outputs": {"TableName": {"Value": {"Ref": "Table"}}}
        })
    }

    fn new() -> Json {
        let mut t = old();
        t["Description"] = json!("v2");
        t["Resources"]["Function"]["Properties"]["MemorySize"] = json!(512);
        t["Resources"]["Function"]["Properties"]["Environment"]["Variables"]["MODE"] =
            json!("fast");
        t["Resources"].as_object_mut().unwrap().remove("Old");
        t["Resources"]["Queue"] = json!({"Type": "AWS::SQS::Queue"});
        t["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": {"Fn::GetAtt": ["Table", "Arn"]}}));
        t
    }

    #[test]
    fn no_differences() {
        let d = diff_templates(&old(), &old());
        assert!(d.is_empty());
        assert_eq!(d.render(&|_| None), "There were no differences\n");
    }

    #[test]
    fn renders_property_level_changes_and_iam() {
        let d = diff_templates(&old(), &new());
        assert!(d.broadens_permissions());
        let text = d.render(&|id| (id == "Function").then(|| "Dev/Orders/Function".to_owned()));
        let expected = r#"IAM and security changes (broadening: new permissions are granted)
[+] IAM statement Role: Allow action ["dynamodb:PutItem"] resource ${Table.Arn}

Resources
[~] AWS::Lambda::Function Function Dev/Orders/Function
 ├─ [~] Properties.MemorySize: 256 → 512
 └─ [+] Properties.Environment.Variables.MODE: "fast"
[~] AWS::IAM::Role Role
 └─ [~] Properties.Policies[0].PolicyDocument.Statement: [{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":${Table.Arn}}] → [{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":${Table.Arn}},{"Effect":"Allow","Action":["dynamodb:PutItem...
[+] AWS::SQS::Queue Queue
[-] AWS::SNS::Topic Old

Other changes
[~] Description: "v1" → "v2"

"#;
        assert_eq!(text, expected, "got:\n{text}");
    }

    #[test]
    fn removing_a_grant_or_adding_a_deny_does_not_broaden() {
        let d = diff_templates(&new(), &old());
        assert!(!d.broadens_permissions());
        assert_eq!(d.security.len(), 1);
        assert_eq!(d.security[0].kind, Kind::Removed);
        let mut t = old();
        t["Resources"]["Deny"] = json!({"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyDocument": {"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}}});
        assert!(!diff_templates(&old(), &t).broadens_permissions());
    }

    #[test]
    fn new_stack_and_other_grants_count_as_broadening() {
        assert!(diff_templates(&Json::Null, &old()).broadens_permissions());
        let mut t = old();
        t["Resources"]["Perm"] = json!({"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": "Function"},
            "Principal": "apigateway.amazonaws.com", "SourceArn": "arn:aws:execute-api:*"}});
        let d = diff_templates(&old(), &t);
        assert!(d.broadens_permissions());
        assert_eq!(
            d.security[0].item.text,
            r#""apigateway.amazonaws.com" may "lambda:InvokeFunction" ${Function} from "arn:aws:execute-api:*""#
        );
        let mut t = old();
        t["Resources"]["Sg"] = json!({"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "x",
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}]}});
        let d = diff_templates(&old(), &t);
        assert!(d.broadens_permissions());
        assert_eq!(d.security[0].item.category, "security group rule");
    }
}
