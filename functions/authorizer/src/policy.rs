//! The IAM policy returned to API Gateway.

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerResponse,
};
use aws_lambda_events::iam::{IamPolicyEffect, IamPolicyStatement};
use serde_json::{Map, Value};

/// The member of the answer (and of the integration's `requestContext.authorizer`) that
/// names the principal.
pub const PRINCIPAL_ID: &str = "principalId";

/// The stage-wide resource for a method ARN:
/// `arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/orders` →
/// `arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*`.
///
/// API Gateway caches an authorizer decision per identity source, not per route; a policy
/// naming only the first route would deny the other routes for the cache lifetime.
/// Returns `None` for anything that is not an `execute-api` method ARN.
pub fn stage_resource(method_arn: &str) -> Option<String> {
    let mut fields = method_arn.splitn(6, ':');
    let (
        Some("arn"),
        Some(partition),
        Some("execute-api"),
        Some(region),
        Some(account),
        Some(rest),
    ) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    )
    else {
        return None;
    };
    let mut path = rest.split('/');
    let (Some(api), Some(stage)) = (path.next(), path.next()) else {
        return None;
    };
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if ![partition, region, api, stage].into_iter().all(plain)
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some(format!(
        "arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/*/*"
    ))
}

/// An `Allow` response for `resource` with `principal_id` and `context`.
pub fn allow(
    principal_id: String,
    resource: String,
    context: Map<String, Value>,
) -> ApiGatewayCustomAuthorizerResponse<Map<String, Value>> {
    let mut statement = IamPolicyStatement::default();
    statement.action = vec!["execute-api:Invoke".to_owned()];
    statement.effect = IamPolicyEffect::Allow;
    statement.resource = vec![resource];
    let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
    policy.version = Some("2012-10-17".to_owned());
    policy.statement = vec![statement];
    let mut response = ApiGatewayCustomAuthorizerResponse::default();
    response.principal_id = Some(principal_id);
    response.policy_document = policy;
    response.context = context;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widens_to_stage() {
        assert_eq!(
            stage_resource(
                "arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/GET/request"
            )
            .as_deref(),
            Some("arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/*/*")
        );
        assert_eq!(
            stage_resource("arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/POST/orders/x")
                .as_deref(),
            Some("arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/*/*")
        );
    }

    #[test]
    fn rejects_other_arns() {
        for arn in [
            "",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            "arn:aws:execute-api:us-east-1:123456789012:abc",
            "arn:aws:execute-api:us-east-1:123456789012:abc/",
            "arn:aws:execute-api:us-east-1:12345:abc/prod/GET/x",
            "arn:aws:execute-api:us-east-1:123456789012:a*c/prod/GET/x",
            "arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/x",
        ] {
            assert_eq!(stage_resource(arn), None, "{arn}");
        }
    }

    #[test]
    fn allow_shape() {
        let r = allow("u".into(), "arn:x".into(), Map::new());
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["principalId"], "u");
        assert_eq!(v["policyDocument"]["Version"], "2012-10-17");
        assert_eq!(v["policyDocument"]["Statement"][0]["Effect"], "Allow");
        assert_eq!(
            v["policyDocument"]["Statement"][0]["Action"][0],
            "execute-api:Invoke"
        );
        assert_eq!(v["policyDocument"]["Statement"][0]["Resource"][0], "arn:x");
    }
}
