//! Amazon Resource Names: `arn:<partition>:<service>:<region>:<account>:<resource>`.

/// A parsed ARN. The resource keeps every character after the fifth colon, colons included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    /// The account id, `aws` for AWS-provided policies, empty for global resources such as S3.
    pub account: String,
    pub resource: String,
}

impl Arn {
    /// Parses an ARN, or returns `None` when the text is not one. Only the full
    /// `arn:<partition>:` prefix with six fields counts, so a name such as
    /// `arnarnarn_my_role` is never taken for an ARN.
    pub fn parse(text: &str) -> Option<Arn> {
        let fields: Vec<&str> = text.splitn(6, ':').collect();
        let [prefix, partition, service, region, account, resource] = fields.as_slice() else {
            return None;
        };
        if *prefix != "arn" || !is_partition(partition) || service.is_empty() || resource.is_empty()
        {
            return None;
        }

        Some(Arn {
            partition: (*partition).to_owned(),
            service: (*service).to_owned(),
            region: (*region).to_owned(),
            account: (*account).to_owned(),
            resource: (*resource).to_owned(),
        })
    }

    /// Returns the resource type: `role` in `role/path/name`, `root` in `root`.
    pub fn resource_type(&self) -> &str {
        self.resource
            .split_once('/')
            .map_or(self.resource.as_str(), |(kind, _)| kind)
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

    /// Returns the last `/` segment of the resource: the name of a role, user, group or policy.
    pub fn resource_name(&self) -> &str {
        self.resource
            .rsplit_once('/')
            .map_or(self.resource.as_str(), |(_, name)| name)
    }

    /// Returns whether this names a policy that AWS owns (`arn:<partition>:iam::aws:policy/...`).
    pub fn is_aws_provided_policy(&self) -> bool {
        self.service == "iam" && self.account == "aws" && self.resource_type() == "policy"
    }

    /// Returns whether the account field contains a 12-digit account id.
    pub fn has_account_id(&self) -> bool {
        is_account_id(&self.account)
    }
}

/// Parses the ARN of an IAM user, group or role, which must name an account:
/// `arn:<partition>:iam::<account id>:<resource type>/<path><name>`.
pub(crate) fn parse_iam_arn(text: &str, resource_type: &str) -> Result<Arn, String> {
    Arn::parse(text)
        .filter(|arn| arn.service == "iam" && arn.resource_type() == resource_type)
        .filter(|arn| arn.has_account_id() && !arn.resource_name().is_empty())
        .ok_or_else(|| {
            format!(
                "`{text}` is not an IAM {resource_type} ARN: expected `arn:<partition>:iam::<account id>:{resource_type}/<path><name>`"
            )
        })
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
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Returns whether the text is a 12-digit AWS account id.
pub(crate) fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn service_linked_role_path_and_name() {
        let arn = Arn::parse(
            "arn:aws:iam::111122223333:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM",
        )
        .unwrap();
        assert_eq!(arn.partition, "aws");
        assert_eq!(arn.service, "iam");
        assert_eq!(arn.account, "111122223333");
        assert_eq!(arn.resource_type(), "role");
        assert_eq!(arn.resource_path(), "/aws-service-role/ssm.amazonaws.com/");
        assert_eq!(arn.resource_name(), "AWSServiceRoleForAmazonSSM");
    }

    #[test]
    fn role_without_path_has_root_path() {
        let arn = Arn::parse("arn:aws:iam::111122223333:role/deploy").unwrap();
        assert_eq!(arn.resource_path(), "/");
        assert_eq!(arn.resource_name(), "deploy");
    }

    #[test]
    fn arn_prefixed_name_is_not_arn() {
        assert_eq!(Arn::parse("arnarnarn_my_role"), None);
        assert_eq!(Arn::parse("arn_my_role"), None);
        assert_eq!(Arn::parse("arn:aws:iam"), None);
        assert_eq!(Arn::parse("arn:gcp:iam::111122223333:role/x"), None);
        assert_eq!(Arn::parse("arn:aws:iam::111122223333:"), None);
    }

    #[test]
    fn china_and_govcloud_partitions_parse() {
        let china = Arn::parse("arn:aws-cn:iam::111122223333:user/ci").unwrap();
        assert_eq!(china.partition, "aws-cn");
        assert_eq!(china.resource_name(), "ci");

        let gov = Arn::parse("arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess").unwrap();
        assert_eq!(gov.partition, "aws-us-gov");
        assert!(gov.is_aws_provided_policy());
    }

    #[test]
    fn root_and_colons_in_resource() {
        let root = Arn::parse("arn:aws:iam::444455556666:root").unwrap();
        assert_eq!(root.resource_type(), "root");
        assert!(root.has_account_id());

        let logs = Arn::parse("arn:aws:logs:*:*:log-group:/aws/lambda/*").unwrap();
        assert_eq!(logs.resource, "log-group:/aws/lambda/*");
        assert!(!logs.has_account_id());
    }

    #[test]
    fn iam_arn_must_match_resource_type() {
        assert!(parse_iam_arn("arn:aws:iam::111122223333:role/r", "role").is_ok());
        let error = parse_iam_arn("arn:aws:iam::111122223333:user/r", "role").unwrap_err();
        assert!(error.contains("is not an IAM role ARN"), "{error}");
        assert!(parse_iam_arn("arn:aws:iam::aws:role/r", "role").is_err());
        assert!(parse_iam_arn("deploy", "role").is_err());
    }

    #[test]
    fn customer_policy_is_not_aws_provided() {
        let arn = Arn::parse("arn:aws:iam::111122223333:policy/team/deploy").unwrap();
        assert!(!arn.is_aws_provided_policy());
        assert_eq!(arn.resource_path(), "/team/");
    }
}
