//! ARNs in the stack's own partition, region and account, built from their
//! parts like the AWS CDK's `Stack.formatArn`, instead of hand-written
//! `arn:${AWS::Partition}:…` strings.
//!
//! ```
//! use rcdk_aws::arn::{format_arn, ArnComponents};
//!
//! let role = ArnComponents::new("iam", "role").name("Deploy-*").global();
//! assert_eq!(role.template(), "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/Deploy-*");
//! let _value = format_arn(&role); // {"Fn::Sub": "arn:${AWS::Partition}:iam::…"}
//! ```

use constructs::value::sub;
use constructs::Value;

/// The parts of an ARN: `arn:${AWS::Partition}:{service}:{region}:{account}:{resource}{sep}{name}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArnComponents {
    service: String,
    region: String,
    account: String,
    resource: String,
}

impl ArnComponents {
    /// `service`'s `resource` (a resource type, or a whole resource part
    /// such as `*`) in the stack's region and account.
    pub fn new(service: &str, resource: &str) -> Self {
        ArnComponents {
            service: service.to_owned(),
            region: "${AWS::Region}".to_owned(),
            account: "${AWS::AccountId}".to_owned(),
            resource: resource.to_owned(),
        }
    }

    /// The resource's name after a `/` (`role/name`, `table/name`).
    pub fn name(mut self, name: &str) -> Self {
        self.resource = format!("{}/{name}", self.resource);
        self
    }

    /// The resource's name after a `:` (`function:name`, `secret:name`, `log-group:name`).
    pub fn colon_name(mut self, name: &str) -> Self {
        self.resource = format!("{}:{name}", self.resource);
        self
    }

    /// A region other than the stack's: `*` for any, `""` for none. Default: the stack's.
    pub fn region(mut self, region: &str) -> Self {
        region.clone_into(&mut self.region);
        self
    }

    /// An account other than the stack's: `*` for any, `""` for none (S3
    /// buckets), a literal such as `lambda` where a service puts one there.
    /// Default: the stack's.
    pub fn account(mut self, account: &str) -> Self {
        account.clone_into(&mut self.account);
        self
    }

    /// No region: the ARN of a global service (IAM).
    pub fn global(self) -> Self {
        self.region("")
    }

    /// The ARN as an `Fn::Sub` template string.
    pub fn template(&self) -> String {
        format!(
            "arn:${{AWS::Partition}}:{}:{}:{}:{}",
            self.service, self.region, self.account, self.resource
        )
    }
}

/// The ARN of `components`: `Fn::Sub` of its [template](ArnComponents::template),
/// so the partition, region and account are the stack's.
pub fn format_arn(components: &ArnComponents) -> Value<String> {
    sub(components.template())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_of_regional_global_and_account_less_arns() {
        let t = |c: ArnComponents| c.template();
        assert_eq!(
            t(ArnComponents::new("ses", "identity").name("example.com")),
            "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/example.com"
        );
        assert_eq!(
            t(ArnComponents::new("secretsmanager", "secret").colon_name("a/b-??????")),
            "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:a/b-??????"
        );
        assert_eq!(
            t(ArnComponents::new("iam", "root").global()),
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"
        );
        assert_eq!(
            t(ArnComponents::new("s3", "*").global().account("")),
            "arn:${AWS::Partition}:s3:::*"
        );
        assert_eq!(
            t(ArnComponents::new("sns", "*").region("*").account("*")),
            "arn:${AWS::Partition}:sns:*:*:*"
        );
    }
}
