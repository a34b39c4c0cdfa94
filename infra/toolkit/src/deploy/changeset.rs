//! Change sets: the readable summary printed before executing one, and the
//! approval rule (`--require-approval`).

use std::fmt::Write as _;

use aws_sdk_cloudformation::types::{Change, ChangeAction, Replacement};

use super::diff::TemplateDiff;

/// One resource change of a change set, reduced to what the summary shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceChange {
    /// `Add`, `Modify`, `Remove`, `Import`, `Dynamic` (also when none is given).
    pub action: ChangeAction,
    /// The logical ID.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// `True`, `False` or `Conditional` for modifications.
    pub replacement: Option<Replacement>,
    /// What changes (`Properties`, `Tags`, …) and which properties.
    pub details: Vec<String>,
}

impl ResourceChange {
    /// Reduces an SDK change; `None` for non-resource changes (hooks).
    pub fn from_sdk(change: &Change) -> Option<ResourceChange> {
        let rc = change.resource_change()?;
        let mut details: Vec<String> = Vec::new();
        for d in rc.details() {
            if let Some(t) = d.target() {
                let name = match (t.attribute().map(|a| a.as_str()), t.name()) {
                    (Some(attr), Some(name)) => format!("{attr}.{name}"),
                    (Some(attr), None) => attr.to_owned(),
                    (None, Some(name)) => name.to_owned(),
                    (None, None) => continue,
                };
                if !details.contains(&name) {
                    details.push(name);
                }
            }
        }
        if details.is_empty() {
            details = rc.scope().iter().map(|s| s.as_str().to_owned()).collect();
        }
        Some(ResourceChange {
            action: rc.action().cloned().unwrap_or(ChangeAction::Dynamic),
            logical_id: rc.logical_resource_id().unwrap_or_default().to_owned(),
            resource_type: rc.resource_type().unwrap_or_default().to_owned(),
            replacement: rc.replacement().cloned(),
            details,
        })
    }

    /// Whether the resource is replaced (a new physical resource, the old one deleted).
    pub fn replaces(&self) -> bool {
        self.action == ChangeAction::Modify && self.replacement == Some(Replacement::True)
    }
}

/// Resource types whose changes affect who may do what.
pub fn is_security_type(resource_type: &str) -> bool {
    resource_type.starts_with("AWS::IAM::")
        || resource_type.starts_with("AWS::EC2::SecurityGroup")
        || resource_type.ends_with("Policy")
        || resource_type == "AWS::Lambda::Permission"
        || resource_type == "AWS::KMS::Key"
}

/// The summary of a change set: counts, one line per resource, flags.
pub fn render_summary(
    stack_label: &str,
    change_set_type: &str,
    changes: &[ResourceChange],
    path_of: &dyn Fn(&str) -> Option<String>,
) -> String {
    let count = |a: ChangeAction| changes.iter().filter(|c| c.action == a).count();
    let replaced = changes.iter().filter(|c| c.replaces()).count();
    let mut out = format!(
        "Change set for {stack_label} ({change_set_type}): {} to add, {} to modify",
        count(ChangeAction::Add),
        count(ChangeAction::Modify)
    );
    if replaced > 0 {
        let _ = write!(out, " ({replaced} replaced)");
    }
    let _ = writeln!(out, ", {} to remove", count(ChangeAction::Remove));
    let id_width = changes
        .iter()
        .map(|c| c.logical_id.len())
        .max()
        .unwrap_or(0);
    let type_width = changes
        .iter()
        .map(|c| c.resource_type.len())
        .max()
        .unwrap_or(0);
    for c in changes {
        let mark = match (&c.action, &c.replacement) {
            (ChangeAction::Add, _) => "+",
            (ChangeAction::Remove, _) => "-",
            (ChangeAction::Modify, Some(Replacement::True)) => "±",
            (ChangeAction::Modify, Some(Replacement::Conditional)) => "?",
            (ChangeAction::Modify, _) => "~",
            (ChangeAction::Import, _) => "<",
            _ => "*",
        };
        let mut line = format!(
            "  {mark} {:id_width$}  {:type_width$}",
            c.logical_id, c.resource_type
        );
        if let Some(path) = path_of(&c.logical_id) {
            let _ = write!(line, "  {path}");
        }
        let mut notes = Vec::new();
        if c.action == ChangeAction::Modify {
            if !c.details.is_empty() {
                notes.push(c.details.join(", "));
            }
            match c.replacement {
                Some(Replacement::True) => notes.push("REPLACED".to_owned()),
                Some(Replacement::Conditional) => notes.push("may be replaced".to_owned()),
                _ => {}
            }
        }
        if is_security_type(&c.resource_type) {
            notes.push("security".to_owned());
        }
        if !notes.is_empty() {
            let _ = write!(line, "  [{}]", notes.join("; "));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// When to ask before deploying (`--require-approval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum RequireApproval {
    /// Never ask.
    Never,
    /// Ask for every change.
    AnyChange,
    /// Ask when IAM statements, managed policies, Lambda permissions or
    /// security group rules are added (the default, as in the AWS CDK).
    #[default]
    Broadening,
}

/// What to do about a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Execute it.
    Proceed,
    /// Ask the user this question.
    Ask(String),
    /// Do not execute it; the message says why and what to do.
    Refuse(String),
}

/// Applies the approval rule to a change set of `stack` whose template diff is `diff`.
pub fn decide(
    rule: RequireApproval,
    stack: &str,
    diff: &TemplateDiff,
    has_changes: bool,
    interactive: bool,
) -> Decision {
    let reason = match rule {
        RequireApproval::Never => return Decision::Proceed,
        RequireApproval::Broadening if diff.broadens_permissions() => {
            "grants new permissions (IAM statements, policies, Lambda permissions or security group rules; see above)"
        }
        RequireApproval::AnyChange if has_changes => "has changes",
        _ => return Decision::Proceed,
    };
    if interactive {
        Decision::Ask(format!(
            "The deployment of {stack} {reason}. Deploy it? [y/N] "
        ))
    } else {
        Decision::Refuse(format!(
            "the deployment of {stack} {reason}, and there is no terminal to ask for approval; review the changes with 'infra diff {stack}', then rerun with '--require-approval never' to deploy them"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::diff::diff_templates;
    use aws_sdk_cloudformation::types::{
        ChangeSource, ChangeType, RequiresRecreation, ResourceAttribute, ResourceChangeDetail,
        ResourceTargetDefinition,
    };
    use serde_json::json;

    fn sdk_change(
        action: ChangeAction,
        id: &str,
        ty: &str,
        replacement: Option<Replacement>,
        props: &[&str],
    ) -> Change {
        let mut rc = aws_sdk_cloudformation::types::ResourceChange::builder()
            .action(action)
            .logical_resource_id(id)
            .resource_type(ty);
        if let Some(r) = replacement {
            rc = rc.replacement(r).scope(ResourceAttribute::Properties);
        }
        for p in props {
            rc = rc.details(
                ResourceChangeDetail::builder()
                    .target(
                        ResourceTargetDefinition::builder()
                            .attribute(ResourceAttribute::Properties)
                            .name(*p)
                            .requires_recreation(RequiresRecreation::Never)
                            .build(),
                    )
                    .change_source(ChangeSource::DirectModification)
                    .build(),
            );
        }
        Change::builder()
            .r#type(ChangeType::Resource)
            .resource_change(rc.build())
            .build()
    }

    #[test]
    fn summary_lists_adds_modifications_replacements_and_removals() {
        let changes: Vec<ResourceChange> = [
            sdk_change(ChangeAction::Add, "Queue", "AWS::SQS::Queue", None, &[]),
            sdk_change(
                ChangeAction::Modify,
                "Function",
                "AWS::Lambda::Function",
                Some(Replacement::False),
                &["MemorySize", "Environment"],
            ),
            sdk_change(
                ChangeAction::Modify,
                "Table",
                "AWS::DynamoDB::Table",
                Some(Replacement::True),
                &["KeySchema"],
            ),
            sdk_change(
                ChangeAction::Modify,
                "Role",
                "AWS::IAM::Role",
                Some(Replacement::False),
                &["Policies"],
            ),
            sdk_change(ChangeAction::Remove, "Old", "AWS::SNS::Topic", None, &[]),
        ]
        .iter()
        .filter_map(ResourceChange::from_sdk)
        .collect();
        let text = render_summary("Dev/Orders (Dev-Orders)", "UPDATE", &changes, &|id| {
            (id == "Function").then(|| "Dev/Orders/Function".to_owned())
        });
        let expected = "\
Change set for Dev/Orders (Dev-Orders) (UPDATE): 1 to add, 3 to modify (1 replaced), 1 to remove
  + Queue     AWS::SQS::Queue
  ~ Function  AWS::Lambda::Function  Dev/Orders/Function  [Properties.MemorySize, Properties.Environment]
  ± Table     AWS::DynamoDB::Table   [Properties.KeySchema; REPLACED]
  ~ Role      AWS::IAM::Role         [Properties.Policies; security]
  - Old       AWS::SNS::Topic
";
        assert_eq!(text, expected, "got:\n{text}");
    }

    #[test]
    fn moto_style_changes_without_details_show_the_scope() {
        // moto lists changes without details or replacement information.
        let c = ResourceChange::from_sdk(&sdk_change(
            ChangeAction::Modify,
            "T",
            "AWS::SNS::Topic",
            None,
            &[],
        ))
        .unwrap();
        let text = render_summary("S", "UPDATE", &[c], &|_| None);
        assert_eq!(text, "Change set for S (UPDATE): 0 to add, 1 to modify, 0 to remove\n  ~ T  AWS::SNS::Topic\n");
    }

    #[test]
    fn approval_rules() {
        let grant = diff_templates(
            &json!({}),
            &json!({"Resources": {"P": {"Type": "AWS::IAM::Policy",
            "Properties": {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}}}}),
        );
        let plain = diff_templates(
            &json!({}),
            &json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}),
        );
        use Decision::*;
        use RequireApproval::*;
        assert_eq!(decide(Never, "S", &grant, true, false), Proceed);
        assert_eq!(decide(Broadening, "S", &plain, true, false), Proceed);
        assert!(
            matches!(decide(Broadening, "S", &grant, true, true), Ask(q) if q.contains("grants new permissions"))
        );
        match decide(Broadening, "S", &grant, true, false) {
            Refuse(m) => assert!(
                m.contains("--require-approval never") && m.contains("no terminal"),
                "{m}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decide(AnyChange, "S", &plain, true, false),
            Refuse(_)
        ));
        assert!(matches!(decide(AnyChange, "S", &plain, true, true), Ask(_)));
        assert_eq!(decide(AnyChange, "S", &plain, false, false), Proceed);
    }
}
