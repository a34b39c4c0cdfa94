//! Checks on rendered templates, run before anything is written.
//!
//! Each problem is reported with the construct path of the element it is in,
//! so that it can be found in the app's code.

use std::collections::HashSet;

use serde_json::Value as Json;

/// CloudFormation's limit on a template uploaded through S3, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 1_048_576;
/// CloudFormation's limit on resources in one template.
pub const MAX_RESOURCES: usize = 500;

const PSEUDO_PARAMETERS: &[&str] = &[
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

/// Every problem in one stack's rendered template. `body_len` is the size of
/// the template as it will be written.
pub(crate) fn check_template(stack_path: &str, template: &Json, body_len: usize) -> Vec<String> {
    let mut errors = Vec::new();
    if body_len > MAX_TEMPLATE_BYTES {
        errors.push(format!(
            "{stack_path}: template is {body_len} bytes, over CloudFormation's limit of {MAX_TEMPLATE_BYTES}; split the stack"
        ));
    }
    let section = |name: &str| template.get(name).and_then(Json::as_object);
    let names = |name: &str| -> HashSet<&str> {
        section(name)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    };
    let resources = names("Resources");
    if resources.len() > MAX_RESOURCES {
        errors.push(format!(
            "{stack_path}: {} resources, over CloudFormation's limit of {MAX_RESOURCES}; split the stack",
            resources.len()
        ));
    }
    let scope = Names {
        resources,
        parameters: names("Parameters"),
        conditions: names("Conditions"),
    };
    for section_name in ["Conditions", "Resources", "Outputs"] {
        let Some(entries) = section(section_name) else {
            continue;
        };
        for (lid, body) in entries {
            let path = body
                .pointer("/Metadata/aws:cdk:path")
                .and_then(Json::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{stack_path}/{lid}"));
            scope.check_references(body, &path, &mut errors);
            if section_name == "Resources" {
                check_iam_statements(
                    body.get("Properties").unwrap_or(&Json::Null),
                    &path,
                    &mut errors,
                );
            }
        }
    }
    errors
}

struct Names<'a> {
    resources: HashSet<&'a str>,
    parameters: HashSet<&'a str>,
    conditions: HashSet<&'a str>,
}

impl Names<'_> {
    fn is_referable(&self, name: &str) -> bool {
        PSEUDO_PARAMETERS.contains(&name)
            || self.resources.contains(name)
            || self.parameters.contains(name)
    }

    fn check_references(&self, value: &Json, path: &str, errors: &mut Vec<String>) {
        match value {
            Json::Array(items) => items
                .iter()
                .for_each(|v| self.check_references(v, path, errors)),
            Json::Object(map) => {
                for (key, arg) in map {
                    match (key.as_str(), arg) {
                        ("Ref", Json::String(name)) if !self.is_referable(name) => {
                            errors.push(format!(
                                "{path}: Ref to '{name}', which is not a resource, parameter or pseudo parameter of this stack"
                            ));
                        }
                        ("Fn::GetAtt", target) => {
                            let name = match target {
                                Json::Array(parts) => parts.first().and_then(Json::as_str),
                                Json::String(s) => s.split('.').next(),
                                _ => None,
                            };
                            if let Some(name) = name.filter(|n| !self.resources.contains(n)) {
                                errors.push(format!(
                                    "{path}: Fn::GetAtt of '{name}', which is not a resource of this stack"
                                ));
                            }
                        }
                        ("Fn::Sub", sub) => self.check_sub(sub, path, errors),
                        ("Fn::If", Json::Array(args)) => {
                            if let Some(name) = args.first().and_then(Json::as_str) {
                                self.check_condition(name, path, errors);
                            }
                        }
                        ("Condition", Json::String(name)) => {
                            self.check_condition(name, path, errors)
                        }
                        _ => {}
                    }
                    self.check_references(arg, path, errors);
                }
            }
            _ => {}
        }
    }

    fn check_condition(&self, name: &str, path: &str, errors: &mut Vec<String>) {
        if !self.conditions.contains(name) {
            errors.push(format!(
                "{path}: condition '{name}' is not defined in this stack"
            ));
        }
    }

    fn check_sub(&self, sub: &Json, path: &str, errors: &mut Vec<String>) {
        let (template, variables) = match sub {
            Json::String(t) => (t.as_str(), None),
            Json::Array(args) => match (args.first(), args.get(1)) {
                (Some(Json::String(t)), vars) => (t.as_str(), vars.and_then(Json::as_object)),
                _ => return,
            },
            _ => return,
        };
        for name in placeholders(template) {
            let base = name.split('.').next().unwrap_or(name);
            let defined = variables.is_some_and(|v| v.contains_key(name))
                || PSEUDO_PARAMETERS.contains(&name)
                || self.parameters.contains(name)
                || self.resources.contains(base);
            if !defined {
                errors.push(format!(
                    "{path}: Fn::Sub placeholder '${{{name}}}' names no variable, parameter or resource of this stack"
                ));
            }
        }
    }
}

/// The names inside `${…}` in a `Fn::Sub` template, skipping `${!Literal}`.
fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let name = &rest[..end];
        if !name.starts_with('!') {
            out.push(name.trim());
        }
        rest = &rest[end + 1..];
    }
    out
}

/// Rejects IAM statements anywhere in the properties (role policies, managed
/// policies, resource policies) that `Allow` a wildcard action, or that name
/// neither resources nor a principal: an identity-policy statement without
/// `Resource`, which IAM refuses at deployment. (A trust policy's statements
/// name a principal and no resource.)
fn check_iam_statements(value: &Json, path: &str, errors: &mut Vec<String>) {
    match value {
        Json::Array(items) => items
            .iter()
            .for_each(|v| check_iam_statements(v, path, errors)),
        Json::Object(map) => {
            if let Some(statements) = map.get("Statement") {
                let statements = match statements {
                    Json::Array(s) => s.iter().collect(),
                    single => vec![single],
                };
                for s in statements {
                    let allows =
                        s.get("Effect").and_then(Json::as_str).unwrap_or("Allow") == "Allow";
                    let actions = match s.get("Action") {
                        Some(Json::String(a)) => vec![a.as_str()],
                        Some(Json::Array(a)) => a.iter().filter_map(Json::as_str).collect(),
                        _ => vec![],
                    };
                    let has = |keys: [&str; 2]| keys.iter().any(|k| s.get(k).is_some());
                    if !has(["Resource", "NotResource"]) && !has(["Principal", "NotPrincipal"]) {
                        errors.push(format!(
                            "{path}: IAM statement of {} names no resource, and IAM refuses it; grant on the resources' ARNs (or \"*\" where the actions have no resource-level permissions)",
                            actions.join(", ")
                        ));
                    }
                    for action in actions.into_iter().filter(|a| allows && a.contains('*')) {
                        errors.push(format!(
                            "{path}: IAM statement allows wildcard action '{action}'; list the exact actions it needs"
                        ));
                    }
                }
            }
            map.values()
                .for_each(|v| check_iam_statements(v, path, errors));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(template: Json) -> Vec<String> {
        check_template("S", &template, 10)
    }

    fn resource(props: Json) -> Json {
        json!({"Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "R": {"Type": "X::Y::Z", "Properties": props, "Metadata": {"aws:cdk:path": "S/R/Resource"}}
        }, "Parameters": {"Env": {"Type": "String"}}, "Conditions": {"IsProd": {"Fn::Equals": ["a", "b"]}}})
    }

    #[test]
    fn valid_references_pass() {
        let errors = check(resource(json!({
            "A": {"Ref": "Bucket"}, "B": {"Ref": "Env"}, "C": {"Ref": "AWS::Region"},
            "D": {"Fn::GetAtt": ["Bucket", "Arn"]},
            "E": {"Fn::Sub": "${Bucket.Arn}/${Env}/${AWS::Region}/${!Literal}"},
            "F": {"Fn::Sub": ["${X}", {"X": "y"}]},
            "G": {"Fn::If": ["IsProd", 1, 2]}
        })));
        assert_eq!(errors, Vec::<String>::new());
    }

    #[test]
    fn dangling_references_name_the_construct_path() {
        let errors = check(resource(json!({
            "A": {"Ref": "Nope"},
            "B": {"Fn::GetAtt": ["Gone", "Arn"]},
            "C": {"Fn::Sub": "${Missing}"},
            "D": {"Fn::If": ["NoCondition", 1, 2]}
        })));
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors.iter().all(|e| e.starts_with("S/R/Resource: ")),
            "{errors:?}"
        );
        assert!(errors[0].contains("'Nope'"));
        assert!(errors[1].contains("'Gone'"));
        assert!(errors[2].contains("${Missing}"));
        assert!(errors[3].contains("'NoCondition'"));
    }

    #[test]
    fn wildcard_actions_are_rejected_only_when_allowed() {
        let errors = check(resource(json!({"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:Get*"], "Resource": "arn:x"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:x"}
        ]}})));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("wildcard action '*'"));
        assert!(errors[1].contains("wildcard action 's3:Get*'"));
    }

    #[test]
    fn statements_need_resources_unless_they_name_a_principal() {
        let errors = check(resource(json!({
            "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject"},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:x"},
                {"Effect": "Deny", "Action": "s3:PutObject", "NotResource": "arn:x"}
            ]},
            "AssumeRolePolicyDocument": {"Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ]}
        })));
        assert_eq!(
            errors,
            ["S/R/Resource: IAM statement of s3:GetObject names no resource, and IAM refuses it; grant on the resources' ARNs (or \"*\" where the actions have no resource-level permissions)"]
        );
    }

    #[test]
    fn limits_are_enforced() {
        let mut resources = serde_json::Map::new();
        for i in 0..=MAX_RESOURCES {
            resources.insert(format!("R{i}"), json!({"Type": "X::Y::Z"}));
        }
        let errors = check_template(
            "Big",
            &json!({"Resources": resources}),
            MAX_TEMPLATE_BYTES + 1,
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("Big: template is 1048577 bytes"));
        assert!(errors[1].starts_with("Big: 501 resources"));
    }
}
