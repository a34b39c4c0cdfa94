//! Evaluating the intrinsics of a hotswapped value (`Ref`, `Fn::GetAtt`,
//! `Fn::Sub`, `Fn::Join`) against the deployed stack, as the AWS CDK's
//! hotswap does. A value it cannot evaluate is an error that names it, and
//! the deployment falls back to a change set.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::plan::sub_variables;
use crate::error::{Error, Result};

/// A value hotswap cannot evaluate: the deployment falls back to a change set.
pub(super) fn refuse(why: impl Into<String>) -> Error {
    Error::NotHotswappable(why.into())
}

/// What references resolve to: the stack's deployed resources and environment.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    /// The account id.
    pub account: String,
    /// The region.
    pub region: String,
    /// The stack name.
    pub stack_name: String,
    /// The stack id (its ARN).
    pub stack_id: String,
    /// Logical ID → (resource type, physical id), from DescribeStackResources.
    pub resources: BTreeMap<String, (String, String)>,
}

impl Resolver {
    /// The partition of the region (`aws`, `aws-cn`, `aws-us-gov`).
    fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// `value` with every intrinsic evaluated, as a string.
    pub fn string(&self, value: &Json) -> Result<String> {
        match value {
            Json::String(s) => Ok(s.clone()),
            Json::Object(o) if o.len() == 1 => {
                let (name, arg) = o.iter().next().ok_or_else(|| refuse("an empty object"))?;
                match name.as_str() {
                    "Ref" => self.reference(
                        arg.as_str()
                            .ok_or_else(|| refuse("a Ref that is not a string"))?,
                    ),
                    "Fn::GetAtt" => {
                        let (id, attribute) = match arg {
                            Json::Array(a) => (
                                a.first().and_then(Json::as_str),
                                a.get(1).and_then(Json::as_str),
                            ),
                            Json::String(s) => match s.split_once('.') {
                                Some((i, a)) => (Some(i), Some(a)),
                                None => (None, None),
                            },
                            _ => (None, None),
                        };
                        match (id, attribute) {
                            (Some(i), Some(a)) => self.attribute(i, a),
                            _ => Err(refuse(format!("a malformed Fn::GetAtt: {arg}"))),
                        }
                    }
                    "Fn::Join" => {
                        let parts = arg.as_array().filter(|a| a.len() == 2);
                        let (sep, list) = match parts {
                            Some(a) => (a[0].as_str(), a[1].as_array()),
                            None => (None, None),
                        };
                        match (sep, list) {
                            (Some(sep), Some(list)) => Ok(list
                                .iter()
                                .map(|v| self.string(v))
                                .collect::<Result<Vec<_>, _>>()?
                                .join(sep)),
                            _ => Err(refuse(format!("a malformed Fn::Join: {arg}"))),
                        }
                    }
                    "Fn::Sub" => self.sub(arg),
                    other => Err(refuse(format!("{other} is not supported by hotswap"))),
                }
            }
            other => Err(refuse(format!(
                "{other} is not a string or a supported intrinsic"
            ))),
        }
    }

    fn reference(&self, name: &str) -> Result<String> {
        match name {
            "AWS::AccountId" => Ok(self.account.clone()),
            "AWS::Region" => Ok(self.region.clone()),
            "AWS::Partition" => Ok(self.partition().to_owned()),
            "AWS::URLSuffix" => Ok(if self.region.starts_with("cn-") {
                "amazonaws.com.cn".to_owned()
            } else {
                "amazonaws.com".to_owned()
            }),
            "AWS::StackName" => Ok(self.stack_name.clone()),
            "AWS::StackId" => Ok(self.stack_id.clone()),
            id => self
                .resources
                .get(id)
                .map(|(_, physical)| physical.clone())
                .ok_or_else(|| {
                    refuse(format!(
                        "Ref to '{id}', which is not a deployed resource of the stack"
                    ))
                }),
        }
    }

    /// The attributes whose value follows from the physical id (the CDK's
    /// hotswap formats the same ARNs).
    fn attribute(&self, id: &str, attribute: &str) -> Result<String> {
        let (kind, physical) = self.resources.get(id).ok_or_else(|| {
            refuse(format!(
                "Fn::GetAtt of '{id}', which is not a deployed resource of the stack"
            ))
        })?;
        let (p, r, a) = (self.partition(), &self.region, &self.account);
        let value = match (kind.as_str(), attribute) {
            ("AWS::Lambda::Function", "Arn") => {
                format!("arn:{p}:lambda:{r}:{a}:function:{physical}")
            }
            ("AWS::IAM::Role", "Arn") => format!("arn:{p}:iam::{a}:role/{physical}"),
            ("AWS::DynamoDB::Table", "Arn") => format!("arn:{p}:dynamodb:{r}:{a}:table/{physical}"),
            ("AWS::S3::Bucket", "Arn") => format!("arn:{p}:s3:::{physical}"),
            ("AWS::SQS::Queue", "Arn") => {
                let name = physical.rsplit('/').next().unwrap_or(physical);
                format!("arn:{p}:sqs:{r}:{a}:{name}")
            }
            // Resources whose physical id is their ARN.
            (
                "AWS::SNS::Topic"
                | "AWS::StepFunctions::StateMachine"
                | "AWS::SecretsManager::Secret",
                "Arn" | "TopicArn",
            ) if physical.starts_with("arn:") => physical.clone(),
            _ => {
                return Err(refuse(format!(
                    "Fn::GetAtt {id}.{attribute} ({kind}) cannot be resolved by hotswap"
                )))
            }
        };
        Ok(value)
    }

    fn sub(&self, arg: &Json) -> Result<String> {
        let (text, vars) = match arg {
            Json::String(s) => (s.as_str(), None),
            Json::Array(a) if a.len() == 2 => (
                a[0].as_str()
                    .ok_or_else(|| refuse("an Fn::Sub whose first item is not a string"))?,
                a[1].as_object(),
            ),
            _ => return Err(refuse(format!("a malformed Fn::Sub: {arg}"))),
        };
        let mut out = text.to_owned();
        for name in sub_variables(text) {
            let value = match vars.and_then(|v| v.get(&name)) {
                Some(v) => self.string(v)?,
                None => match name.split_once('.') {
                    Some((id, attribute)) => self.attribute(id, attribute)?,
                    None => self.reference(&name)?,
                },
            };
            out = out.replace(&format!("${{{name}}}"), &value);
        }
        Ok(out.replace("${!", "${"))
    }

    /// A state machine's definition text: `DefinitionString` evaluated, or
    /// `Definition` written as JSON; then `${name}` replaced by each
    /// evaluated substitution, as Step Functions does at deployment.
    pub fn definition(
        &self,
        definition: &Json,
        substitutions: Option<&serde_json::Map<String, Json>>,
    ) -> Result<String> {
        let mut text = match definition {
            Json::Object(o) if !o.keys().any(|k| k == "Ref" || k.starts_with("Fn::")) => {
                serde_json::to_string(definition).map_err(|e| refuse(e.to_string()))?
            }
            other => self.string(other)?,
        };
        for (name, value) in substitutions.into_iter().flatten() {
            let value = match value {
                Json::Number(n) => n.to_string(),
                Json::Bool(b) => b.to_string(),
                v => self.string(v)?,
            };
            text = text.replace(&format!("${{{name}}}"), &value);
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolver() -> Resolver {
        let mut resources = BTreeMap::new();
        resources.insert(
            "Fn".to_owned(),
            ("AWS::Lambda::Function".to_owned(), "dev-fn".to_owned()),
        );
        resources.insert(
            "Topic".to_owned(),
            (
                "AWS::SNS::Topic".to_owned(),
                "arn:aws:sns:eu-west-1:123:t".to_owned(),
            ),
        );
        resources.insert(
            "Api".to_owned(),
            ("AWS::ApiGateway::RestApi".to_owned(), "abc".to_owned()),
        );
        Resolver {
            account: "123".into(),
            region: "eu-west-1".into(),
            stack_name: "Dev-Auction".into(),
            stack_id: "arn:aws:cloudformation:eu-west-1:123:stack/Dev-Auction/x".into(),
            resources,
        }
    }

    #[test]
    fn references_attributes_joins_and_subs_resolve() {
        let r = resolver();
        let definition = json!({"Fn::Join": ["", [
            "{\"F\":\"", {"Fn::GetAtt": ["Fn", "Arn"]}, "\",\"T\":\"", {"Ref": "Topic"},
            "\",\"S\":\"", {"Fn::Sub": "${AWS::StackName}-${Fn}-${!Keep}"}, "\"}"
        ]]});
        assert_eq!(
            r.definition(&definition, None).unwrap(),
            "{\"F\":\"arn:aws:lambda:eu-west-1:123:function:dev-fn\",\"T\":\"arn:aws:sns:eu-west-1:123:t\",\"S\":\"Dev-Auction-dev-fn-${Keep}\"}"
        );
        assert_eq!(
            r.string(&json!({"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}))
                .unwrap(),
            "cdk-hnb659fds-assets-123-eu-west-1"
        );
    }

    #[test]
    fn substitutions_fill_an_object_definition() {
        let r = resolver();
        let mut subs = serde_json::Map::new();
        subs.insert("fn".into(), json!({"Fn::GetAtt": ["Fn", "Arn"]}));
        subs.insert("wait".into(), json!(5));
        assert_eq!(
            r.definition(&json!({"R": "${fn}", "W": "${wait}"}), Some(&subs))
                .unwrap(),
            "{\"R\":\"arn:aws:lambda:eu-west-1:123:function:dev-fn\",\"W\":\"5\"}"
        );
    }

    #[test]
    fn what_cannot_be_resolved_is_named() {
        let r = resolver();
        assert_eq!(
            r.string(&json!({"Fn::GetAtt": ["Api", "RootResourceId"]}))
                .unwrap_err()
                .to_string(),
            "Fn::GetAtt Api.RootResourceId (AWS::ApiGateway::RestApi) cannot be resolved by hotswap"
        );
        assert_eq!(
            r.string(&json!({"Ref": "Gone"})).unwrap_err().to_string(),
            "Ref to 'Gone', which is not a deployed resource of the stack"
        );
        assert_eq!(
            r.string(&json!({"Fn::ImportValue": "x"}))
                .unwrap_err()
                .to_string(),
            "Fn::ImportValue is not supported by hotswap"
        );
    }
}
