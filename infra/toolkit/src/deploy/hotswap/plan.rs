//! Which changes between a deployed template and a new one can be made
//! without CloudFormation, as the AWS CDK CLI's `--hotswap` decides: a
//! function's code and a state machine's definition. A pure function of the
//! two templates.

use serde_json::{Map, Value as Json};

use super::resolve::refuse;
use crate::error::Result;

/// A change made directly through the service's API.
#[derive(Debug, Clone, PartialEq)]
pub enum Hotswap {
    /// `AWS::Lambda::Function` `Code`: the new S3 object (unresolved, as in the template).
    FunctionCode {
        /// The function's logical ID.
        logical_id: String,
        /// The new `Code.S3Bucket`.
        bucket: Json,
        /// The new `Code.S3Key`.
        key: Json,
    },
    /// `AWS::StepFunctions::StateMachine` definition (unresolved, as in the template).
    Definition {
        /// The state machine's logical ID.
        logical_id: String,
        /// `DefinitionString` (a string or an intrinsic), or `Definition` (an object).
        definition: Json,
        /// `DefinitionSubstitutions`, when the template has them.
        substitutions: Option<Map<String, Json>>,
    },
}

impl Hotswap {
    /// The logical ID of the resource it changes.
    pub fn logical_id(&self) -> &str {
        match self {
            Hotswap::FunctionCode { logical_id, .. } | Hotswap::Definition { logical_id, .. } => {
                logical_id
            }
        }
    }
}

/// What a hotswap deployment of one stack does.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Only hotswappable changes (none at all when only metadata changed).
    Hotswap(Vec<Hotswap>),
    /// A change set is needed: why, one line per change that is not hotswappable.
    Fallback(Vec<String>),
}

const FUNCTION: &str = "AWS::Lambda::Function";
const STATE_MACHINE: &str = "AWS::StepFunctions::StateMachine";
const DEFINITION_PROPERTIES: [&str; 3] =
    ["DefinitionString", "Definition", "DefinitionSubstitutions"];

/// Classifies the changes from `old` (the deployed template) to `new`.
/// Resource `Metadata` and the `AWS::CDK::Metadata` resource change no
/// infrastructure and are ignored. A definition that refers to a resource
/// the new template does not have is not hotswappable.
pub fn plan(old: &Json, new: &Json) -> Plan {
    let mut reasons = Vec::new();
    let mut swaps = Vec::new();
    let sections = |t: &Json| -> Vec<String> {
        t.as_object()
            .map(|o| o.keys().filter(|k| *k != "Resources").cloned().collect())
            .unwrap_or_default()
    };
    let mut names = sections(old);
    names.extend(sections(new));
    names.sort();
    names.dedup();
    for section in names {
        if old.get(&section) != new.get(&section) {
            reasons.push(format!("{section} changed"));
        }
    }
    let empty = Map::new();
    let old_resources = resources(old).unwrap_or(&empty);
    let new_resources = resources(new).unwrap_or(&empty);
    for (id, resource) in old_resources {
        if !new_resources.contains_key(id) && !is_cdk_metadata(resource) {
            reasons.push(format!("{id} removed"));
        }
    }
    for (id, resource) in new_resources {
        if is_cdk_metadata(resource) {
            continue;
        }
        match old_resources.get(id) {
            None => reasons.push(format!("{id} added")),
            Some(before) => compare(
                id,
                before,
                resource,
                new_resources,
                &mut swaps,
                &mut reasons,
            ),
        }
    }
    if reasons.is_empty() {
        Plan::Hotswap(swaps)
    } else {
        Plan::Fallback(reasons)
    }
}

fn resources(template: &Json) -> Option<&Map<String, Json>> {
    template.get("Resources").and_then(Json::as_object)
}

fn is_cdk_metadata(resource: &Json) -> bool {
    resource.get("Type").and_then(Json::as_str) == Some("AWS::CDK::Metadata")
}

/// Compares one resource present in both templates.
fn compare(
    id: &str,
    old: &Json,
    new: &Json,
    resources: &Map<String, Json>,
    swaps: &mut Vec<Hotswap>,
    reasons: &mut Vec<String>,
) {
    let kind = new.get("Type").and_then(Json::as_str).unwrap_or_default();
    if old.get("Type") != new.get("Type") {
        reasons.push(format!("{id}.Type changed"));
        return;
    }
    let mut attributes: Vec<&String> = old
        .as_object()
        .into_iter()
        .chain(new.as_object())
        .flat_map(|o| o.keys())
        .filter(|k| !matches!(k.as_str(), "Type" | "Properties" | "Metadata"))
        .collect();
    attributes.sort();
    attributes.dedup();
    for attribute in attributes {
        if old.get(attribute) != new.get(attribute) {
            reasons.push(format!("{id}.{attribute} changed"));
        }
    }
    let empty = Map::new();
    let props = |r: &'_ Json| -> Map<String, Json> {
        r.get("Properties")
            .and_then(Json::as_object)
            .unwrap_or(&empty)
            .clone()
    };
    let (before, after) = (props(old), props(new));
    let mut changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    changed.sort();
    changed.dedup();
    if changed.is_empty() {
        return;
    }
    let hotswappable = |p: &str| match kind {
        FUNCTION => p == "Code",
        STATE_MACHINE => DEFINITION_PROPERTIES.contains(&p),
        _ => false,
    };
    let mut refused = false;
    for p in &changed {
        if !hotswappable(p) {
            reasons.push(format!("{id}.Properties.{p} changed"));
            refused = true;
        }
    }
    if refused {
        return;
    }
    match kind {
        FUNCTION => match function_code(&after) {
            Ok((bucket, key)) => swaps.push(Hotswap::FunctionCode {
                logical_id: id.to_owned(),
                bucket,
                key,
            }),
            Err(why) => reasons.push(format!("{id}.Properties.Code changed: {why}")),
        },
        _ => match definition(&after, resources) {
            Ok((definition, substitutions)) => swaps.push(Hotswap::Definition {
                logical_id: id.to_owned(),
                definition,
                substitutions,
            }),
            Err(why) => reasons.push(format!("{id}.Properties.Definition changed: {why}")),
        },
    }
}

/// The new code's S3 bucket and key; other kinds of code (inline, image) need a change set.
fn function_code(props: &Map<String, Json>) -> Result<(Json, Json)> {
    let code = props
        .get("Code")
        .and_then(Json::as_object)
        .ok_or_else(|| refuse("the function has no Code"))?;
    match (code.get("S3Bucket"), code.get("S3Key")) {
        (Some(bucket), Some(key)) if code.len() == 2 => Ok((bucket.clone(), key.clone())),
        _ => Err(refuse(
            "the code is not an S3 object (S3Bucket and S3Key only)",
        )),
    }
}

type Definition = (Json, Option<Map<String, Json>>);

/// The new definition and its substitutions; refused when they refer to a
/// resource the template does not have.
fn definition(props: &Map<String, Json>, resources: &Map<String, Json>) -> Result<Definition> {
    let definition = props
        .get("DefinitionString")
        .or_else(|| props.get("Definition"))
        .ok_or_else(|| refuse("the state machine has no DefinitionString or Definition"))?
        .clone();
    let substitutions = match props.get("DefinitionSubstitutions") {
        None => None,
        Some(Json::Object(m)) => Some(m.clone()),
        Some(_) => return Err(refuse("DefinitionSubstitutions is not an object")),
    };
    let mut referenced = Vec::new();
    references(&definition, &mut referenced);
    if let Some(s) = &substitutions {
        for v in s.values() {
            references(v, &mut referenced);
        }
    }
    for r in referenced {
        if !r.starts_with("AWS::") && !resources.contains_key(&r) {
            return Err(refuse(format!(
                "it refers to '{r}', which is not a resource of the stack"
            )));
        }
    }
    Ok((definition, substitutions))
}

/// The logical IDs and pseudo parameters `value` refers to (`Ref`,
/// `Fn::GetAtt`, `${…}` in `Fn::Sub`).
fn references(value: &Json, out: &mut Vec<String>) {
    match value {
        Json::Object(o) if o.len() == 1 => {
            if let Some(Json::String(r)) = o.get("Ref") {
                out.push(r.clone());
            } else if let Some(att) = o.get("Fn::GetAtt") {
                let target = match att {
                    Json::Array(a) => a.first().and_then(Json::as_str),
                    Json::String(s) => s.split('.').next(),
                    _ => None,
                };
                out.extend(target.map(str::to_owned));
            } else if let Some(sub) = o.get("Fn::Sub") {
                let (text, vars) = match sub {
                    Json::String(s) => (Some(s.as_str()), None),
                    Json::Array(a) => (a.first().and_then(Json::as_str), a.get(1)),
                    _ => (None, None),
                };
                let locals: Vec<&String> = vars
                    .and_then(Json::as_object)
                    .map(|m| m.keys().collect())
                    .unwrap_or_default();
                for name in text.map(sub_variables).unwrap_or_default() {
                    let base = name.split('.').next().unwrap_or(&name).to_owned();
                    if !locals.iter().any(|l| **l == name) {
                        out.push(base);
                    }
                }
                if let Some(v) = vars {
                    references(v, out);
                }
            } else {
                o.values().for_each(|v| references(v, out));
            }
        }
        Json::Object(o) => o.values().for_each(|v| references(v, out)),
        Json::Array(a) => a.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// The `${name}` variables of an `Fn::Sub` string (`${!literal}` excluded).
pub fn sub_variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.starts_with('!') {
            out.push(name.to_owned());
        }
        rest = &after[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(code_key: &str, env: &str, definition: Json) -> Json {
        json!({
            "Resources": {
                "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Metadata": {"aws:asset:path": format!("asset.{code_key}.zip")},
                    "Properties": {
                        "Code": {
                            "S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
                            "S3Key": format!("{code_key}.zip")
                        },
                        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                        "Environment": {"Variables": {"MODE": env}}
                    }
                },
                "Machine": {
                    "Type": "AWS::StepFunctions::StateMachine",
                    "Properties": {"DefinitionString": definition, "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}
                },
                "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": code_key}}
            }
        })
    }

    fn definition(state: &str) -> Json {
        json!({"Fn::Join": ["", ["{\"StartAt\":\"", state, "\",\"States\":{\"", state,
            "\":{\"Type\":\"Task\",\"Resource\":\"", {"Fn::GetAtt": ["Fn", "Arn"]}, "\",\"End\":true}}}"]]})
    }

    fn swaps(plan: Plan) -> Vec<Hotswap> {
        match plan {
            Plan::Hotswap(s) => s,
            Plan::Fallback(r) => panic!("expected a hotswap, got a fallback: {r:?}"),
        }
    }

    fn reasons(plan: Plan) -> Vec<String> {
        match plan {
            Plan::Fallback(r) => r,
            Plan::Hotswap(s) => panic!("expected a fallback, got a hotswap: {s:?}"),
        }
    }

    #[test]
    fn code_only_change_swaps_the_code() {
        let old = template("aaa", "x", definition("A"));
        let new = template("bbb", "x", definition("A"));
        assert_eq!(
            swaps(plan(&old, &new)),
            [Hotswap::FunctionCode {
                logical_id: "Fn".into(),
                bucket: json!({"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}),
                key: json!("bbb.zip"),
            }]
        );
    }

    #[test]
    fn definition_only_change_swaps_the_definition() {
        let old = template("aaa", "x", definition("A"));
        let new = template("aaa", "x", definition("B"));
        assert_eq!(
            swaps(plan(&old, &new)),
            [Hotswap::Definition {
                logical_id: "Machine".into(),
                definition: definition("B"),
                substitutions: None,
            }]
        );
    }

    #[test]
    fn code_and_definition_change_swap_both() {
        let old = template("aaa", "x", definition("A"));
        let new = template("bbb", "x", definition("B"));
        let ids: Vec<String> = swaps(plan(&old, &new))
            .iter()
            .map(|s| s.logical_id().to_owned())
            .collect();
        assert_eq!(ids, ["Fn", "Machine"]);
    }

    #[test]
    fn an_environment_change_needs_a_change_set() {
        let old = template("aaa", "x", definition("A"));
        let new = template("bbb", "y", definition("A"));
        assert_eq!(
            reasons(plan(&old, &new)),
            ["Fn.Properties.Environment changed"]
        );
    }

    #[test]
    fn an_added_resource_needs_a_change_set() {
        let old = template("aaa", "x", definition("A"));
        let mut new = template("bbb", "x", definition("A"));
        new["Resources"]["Queue"] = json!({"Type": "AWS::SQS::Queue"});
        new["Outputs"] = json!({"Q": {"Value": {"Ref": "Queue"}}});
        assert_eq!(
            reasons(plan(&old, &new)),
            ["Outputs changed", "Queue added"]
        );
        assert_eq!(
            reasons(plan(&new, &old)),
            ["Outputs changed", "Queue removed"]
        );
    }

    #[test]
    fn metadata_only_change_is_nothing_to_do() {
        let old = template("aaa", "x", definition("A"));
        let mut new = old.clone();
        new["Resources"]["Fn"]["Metadata"] = json!({"aws:asset:path": "elsewhere"});
        new["Resources"]["CDKMetadata"]["Properties"]["Analytics"] = json!("v2");
        assert_eq!(plan(&old, &new), Plan::Hotswap(vec![]));
        assert_eq!(plan(&old, &old), Plan::Hotswap(vec![]));
    }

    #[test]
    fn a_definition_naming_an_unknown_resource_needs_a_change_set() {
        let old = template("aaa", "x", definition("A"));
        let new = template(
            "aaa",
            "x",
            json!({"Fn::Sub": "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Task\",\"Resource\":\"${Gone.Arn}\",\"End\":true}}}"}),
        );
        assert_eq!(
            reasons(plan(&old, &new)),
            ["Machine.Properties.Definition changed: it refers to 'Gone', which is not a resource of the stack"]
        );
    }

    #[test]
    fn inline_code_and_other_attributes_need_a_change_set() {
        let old = template("aaa", "x", definition("A"));
        let mut new = old.clone();
        new["Resources"]["Fn"]["Properties"]["Code"] = json!({"ZipFile": "x"});
        new["Resources"]["Role"]["DeletionPolicy"] = json!("Retain");
        assert_eq!(
            reasons(plan(&old, &new)),
            [
                "Role.DeletionPolicy changed",
                "Fn.Properties.Code changed: the code is not an S3 object (S3Bucket and S3Key only)"
            ]
        );
    }

    #[test]
    fn sub_variables_skip_literals() {
        assert_eq!(
            sub_variables("a-${AWS::Region}-${!Literal}-${Fn.Arn}"),
            ["AWS::Region", "Fn.Arn"]
        );
    }
}
