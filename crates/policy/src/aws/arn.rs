//! Amazon Resource Names: `arn:<partition>:<service>:<region>:<account>:<resource>`.

use std::fmt;

/// A parsed ARN. The resource keeps every character after the fifth colon, colons included.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    /// The account id; `aws` in AWS-provided policies; empty for resources such as S3 buckets.
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Parses an ARN, or returns `None` when the text is not one. Only the full
    /// `arn:<partition>:` prefix with six fields counts, so a name such as
    /// `arnarnarn_my_role` is never taken for an ARN.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut fields = text.splitn(6, ':');
        let (
            Some(prefix),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
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
        if prefix != "arn" || !is_partition(partition) || service.is_empty() || resource.is_empty()
        {
            return None;
        }

        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// Returns the resource type: `role` in `role/path/name`, `root` in `root`.
    pub fn resource_type(&self) -> &'a str {
        let end = self
            .resource
            .find(['/', ':'])
            .unwrap_or(self.resource.len());
        &self.resource[..end]
    }

    /// Returns the last `/` segment of the resource: the name of a role, user, group or
    /// policy (`AWSServiceRoleForAmazonSSM` in `role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM`).
    pub fn resource_name(&self) -> &'a str {
        self.resource
            .rsplit_once('/')
            .map_or(self.resource, |(_, name)| name)
    }

    /// Returns the IAM path: everything between the resource type and the name, with its
    /// slashes (`/aws-service-role/ssm.amazonaws.com/`), or `/` when there is none.
    pub fn resource_path(&self) -> String {
        let Some((_, rest)) = self.resource.split_once('/') else {
            return "/".to_owned();
        };
        match rest.rsplit_once('/') {
            Some((middle, _)) => format!("/{middle}/"),
            None => "/".to_owned(),
        }
    }

    /// Returns whether the ARN names an IAM role whose path marks it as service-linked
    /// (`/aws-service-role/`): AWS creates and owns these roles, and SCPs do not limit them.
    pub fn is_service_linked_role(&self) -> bool {
        self.service == "iam"
            && self.resource_type() == "role"
            && self.resource.starts_with("role/aws-service-role/")
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// Returns whether the text is an ARN (see [`Arn::parse`]).
pub fn is_arn(text: &str) -> bool {
    Arn::parse(text).is_some()
}

/// Returns whether the text is a 12-digit AWS account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Returns the account a principal ARN belongs to: the account field of an IAM or STS ARN.
pub fn principal_account(principal_arn: &str) -> Option<&str> {
    let arn = Arn::parse(principal_arn)?;
    is_account_id(arn.account).then_some(arn.account)
}

/// Accepts `aws`, `aws-cn`, `aws-us-gov` and the other `aws-...` partitions.
fn is_partition(text: &str) -> bool {
    if text == "aws" {
        return true;
    }
    let Some(rest) = text.strip_prefix("aws-") else {
        return false;
    };
    !rest.is_empty()
        && rest
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn service_linked_role_splits_path_and_name() {
        let text = "arn:aws:iam::111122223333:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM";
        let arn = Arn::parse(text).unwrap();

        assert_eq!(arn.partition, "aws");
        assert_eq!(arn.account, "111122223333");
        assert_eq!(arn.resource_type(), "role");
        assert_eq!(arn.resource_name(), "AWSServiceRoleForAmazonSSM");
        assert_eq!(arn.resource_path(), "/aws-service-role/ssm.amazonaws.com/");
        assert!(arn.is_service_linked_role());
        assert_eq!(arn.to_string(), text);
    }

    #[test]
    fn arn_prefixed_name_is_not_arn() {
        assert!(!is_arn("arnarnarn_my_role"));
        assert!(!is_arn("arn:aws:iam"));
        assert!(!is_arn("arn:azure:iam::111122223333:role/x"));
    }

    #[test]
    fn other_partitions_parse() {
        let china = Arn::parse("arn:aws-cn:iam::111122223333:role/deploy").unwrap();
        let govcloud = Arn::parse("arn:aws-us-gov:s3:::bucket/key:with:colons").unwrap();

        assert_eq!(china.partition, "aws-cn");
        assert_eq!(china.resource_name(), "deploy");
        assert_eq!(china.resource_path(), "/");
        assert_eq!(govcloud.partition, "aws-us-gov");
        assert_eq!(govcloud.resource, "bucket/key:with:colons");
    }

    #[test]
    fn principal_account_reads_iam_and_sts() {
        assert_eq!(
            principal_account("arn:aws:iam::111122223333:user/ci"),
            Some("111122223333")
        );
        assert_eq!(
            principal_account("arn:aws:sts::111122223333:assumed-role/deploy/session"),
            Some("111122223333")
        );
        assert_eq!(
            principal_account("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            None
        );
    }
}
