//! Policy documents: AWS-provided policies, customer-managed ones and inline ones.
//!
//! The documents are written for this generator. They use the grammar that real estates use
//! and that scanners get wrong: wildcards in actions and resources, `NotAction`, `Deny`,
//! conditions with `...IfExists`, several values per key, and actions that allow privilege
//! escalation. The AWS-provided ones carry real policy names with shortened documents.

use serde_json::{Value, json};

use super::ACCOUNT;
use super::entities::TEAMS;

/// AWS-provided policies by name, most attached first. The generator attaches the early ones
/// more often.
pub(crate) const PROVIDED: [&str; 24] = [
    "ReadOnlyAccess",
    "AmazonS3ReadOnlyAccess",
    "CloudWatchLogsFullAccess",
    "AmazonSSMManagedInstanceCore",
    "AmazonEC2ReadOnlyAccess",
    "AWSLambdaBasicExecutionRole",
    "AmazonDynamoDBReadOnlyAccess",
    "AmazonSQSFullAccess",
    "AmazonSNSFullAccess",
    "CloudWatchAgentServerPolicy",
    "AWSXrayWriteOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonEC2ContainerRegistryReadOnly",
    "SecurityAudit",
    "ViewOnlyAccess",
    "AmazonRDSReadOnlyAccess",
    "AmazonDynamoDBFullAccess",
    "AWSLambda_FullAccess",
    "AmazonECS_FullAccess",
    "AmazonEC2FullAccess",
    "PowerUserAccess",
    "IAMReadOnlyAccess",
    "IAMFullAccess",
    "AdministratorAccess",
];

/// Pool index of `AdministratorAccess`, which the generator hands out on purpose.
pub(crate) const ADMINISTRATOR_ACCESS: usize = PROVIDED.len() - 1;

/// The first customer-managed policies are permission boundaries.
pub(crate) const BOUNDARY_POLICIES: usize = 3;

/// Number of inline policy templates.
pub(crate) const INLINE_TEMPLATES: usize = 8;

/// Returns the ARN of a policy of the pool.
pub(crate) fn policy_arn(pool_index: usize) -> String {
    match PROVIDED.get(pool_index) {
        Some(name) if *name == "AWSLambdaBasicExecutionRole" => {
            format!("arn:aws:iam::aws:policy/service-role/{name}")
        }
        Some(name) => format!("arn:aws:iam::aws:policy/{name}"),
        None => {
            let customer = pool_index - PROVIDED.len();
            format!(
                "arn:aws:iam::{ACCOUNT}:policy{}{}",
                customer_path(customer),
                customer_name(customer)
            )
        }
    }
}

/// Returns the name of a policy of the pool.
pub(crate) fn policy_name(pool_index: usize) -> String {
    match PROVIDED.get(pool_index) {
        Some(name) => (*name).to_owned(),
        None => customer_name(pool_index - PROVIDED.len()),
    }
}

pub(crate) fn customer_name(customer: usize) -> String {
    if customer < BOUNDARY_POLICIES {
        return ["boundary-workloads", "boundary-ci", "boundary-developers"][customer].to_owned();
    }
    let team = TEAMS[customer % TEAMS.len()];
    let kind = CUSTOMER_KINDS[customer % CUSTOMER_KINDS.len()];
    format!("{team}-{kind}-{customer}")
}

pub(crate) fn customer_path(customer: usize) -> String {
    if customer < BOUNDARY_POLICIES {
        return "/boundaries/".to_owned();
    }
    match customer % 3 {
        0 => "/".to_owned(),
        _ => format!("/{}/", TEAMS[customer % TEAMS.len()]),
    }
}

/// What each customer-managed policy template does, for its name.
const CUSTOMER_KINDS: [&str; 12] = [
    "s3-read",
    "s3-write",
    "dynamodb",
    "ec2-ops",
    "lambda",
    "power-user",
    "regional",
    "network",
    "kms",
    "pass-role",
    "secrets",
    "mfa-guard",
];

/// Returns the document of an AWS-provided policy.
pub(crate) fn provided_document(pool_index: usize) -> Value {
    let name = PROVIDED.get(pool_index).copied().unwrap_or_default();
    let statements = match name {
        "AdministratorAccess" => vec![allow(json!("*"), json!("*"))],
        "PowerUserAccess" => vec![
            json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}),
            allow(
                json!([
                    "iam:CreateServiceLinkedRole",
                    "iam:DeleteServiceLinkedRole",
                    "iam:ListRoles",
                    "organizations:DescribeOrganization",
                    "account:ListRegions"
                ]),
                json!("*"),
            ),
        ],
        "IAMFullAccess" => vec![allow(
            json!([
                "iam:*",
                "organizations:DescribeAccount",
                "organizations:ListRoots"
            ]),
            json!("*"),
        )],
        "IAMReadOnlyAccess" => vec![allow(
            json!([
                "iam:GenerateCredentialReport",
                "iam:Get*",
                "iam:List*",
                "iam:SimulateCustomPolicy"
            ]),
            json!("*"),
        )],
        "ReadOnlyAccess" => vec![allow(
            read_patterns(&["Describe*", "Get*", "List*"]),
            json!("*"),
        )],
        "ViewOnlyAccess" => vec![allow(read_patterns(&["Describe*", "List*"]), json!("*"))],
        "SecurityAudit" => vec![
            allow(
                read_patterns(&["Describe*", "GetPolicy*", "List*"]),
                json!("*"),
            ),
            allow(
                json!([
                    "iam:GenerateCredentialReport",
                    "iam:GetAccountAuthorizationDetails",
                    "s3:GetBucketPolicy"
                ]),
                json!("*"),
            ),
        ],
        "AmazonS3ReadOnlyAccess" => vec![allow(
            json!([
                "s3:Get*",
                "s3:List*",
                "s3-object-lambda:Get*",
                "s3-object-lambda:List*"
            ]),
            json!("*"),
        )],
        "AmazonS3FullAccess" => vec![allow(json!(["s3:*", "s3-object-lambda:*"]), json!("*"))],
        "CloudWatchLogsFullAccess" => vec![allow(
            json!(["logs:*", "cloudwatch:GenerateQuery"]),
            json!("*"),
        )],
        "AmazonSSMManagedInstanceCore" => vec![allow(
            json!([
                "ssm:DescribeAssociation",
                "ssm:GetDocument",
                "ssm:UpdateInstanceInformation",
                "ssmmessages:*",
                "ec2messages:*"
            ]),
            json!("*"),
        )],
        "AmazonEC2ReadOnlyAccess" => vec![allow(
            json!([
                "ec2:Describe*",
                "elasticloadbalancing:Describe*",
                "autoscaling:Describe*"
            ]),
            json!("*"),
        )],
        "AWSLambdaBasicExecutionRole" => vec![allow(
            json!([
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents"
            ]),
            json!("*"),
        )],
        "AmazonDynamoDBReadOnlyAccess" => vec![allow(
            json!([
                "dynamodb:BatchGet*",
                "dynamodb:Describe*",
                "dynamodb:Get*",
                "dynamodb:List*",
                "dynamodb:Query",
                "dynamodb:Scan"
            ]),
            json!("*"),
        )],
        "AmazonDynamoDBFullAccess" => vec![allow(
            json!([
                "dynamodb:*",
                "application-autoscaling:*",
                "cloudwatch:GetMetricStatistics"
            ]),
            json!("*"),
        )],
        "AmazonSQSFullAccess" => vec![allow(json!("sqs:*"), json!("*"))],
        "AmazonSNSFullAccess" => vec![allow(json!("sns:*"), json!("*"))],
        "CloudWatchAgentServerPolicy" => vec![allow(
            json!([
                "cloudwatch:PutMetricData",
                "ec2:DescribeTags",
                "logs:PutLogEvents",
                "logs:CreateLogStream"
            ]),
            json!("*"),
        )],
        "AWSXrayWriteOnlyAccess" => vec![allow(
            json!([
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules"
            ]),
            json!("*"),
        )],
        "AmazonEC2ContainerRegistryReadOnly" => vec![allow(
            json!([
                "ecr:GetAuthorizationToken",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:Describe*",
                "ecr:List*"
            ]),
            json!("*"),
        )],
        "AmazonRDSReadOnlyAccess" => vec![allow(
            json!([
                "rds:Describe*",
                "rds:ListTagsForResource",
                "ec2:DescribeVpcs"
            ]),
            json!("*"),
        )],
        "AWSLambda_FullAccess" => vec![
            allow(
                json!([
                    "lambda:*",
                    "logs:DescribeLogGroups",
                    "states:DescribeStateMachine"
                ]),
                json!("*"),
            ),
            json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}),
        ],
        "AmazonECS_FullAccess" => vec![
            allow(
                json!([
                    "ecs:*",
                    "elasticloadbalancing:*",
                    "application-autoscaling:*"
                ]),
                json!("*"),
            ),
            json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}),
        ],
        "AmazonEC2FullAccess" => vec![allow(
            json!([
                "ec2:*",
                "elasticloadbalancing:*",
                "cloudwatch:*",
                "autoscaling:*"
            ]),
            json!("*"),
        )],
        _ => vec![allow(json!("sts:GetCallerIdentity"), json!("*"))],
    };
    document(statements)
}

/// Returns a version of a customer-managed policy. Later versions widen the first one.
pub(crate) fn customer_document(customer: usize, version: usize) -> Value {
    if customer < BOUNDARY_POLICIES {
        return boundary_document(customer);
    }
    let team = TEAMS[customer % TEAMS.len()];
    let bucket = format!("arn:aws:s3:::acme-{team}-{customer}");
    let kind = CUSTOMER_KINDS[customer % CUSTOMER_KINDS.len()];
    let mut statements = match kind {
        "s3-read" => vec![
            json!({"Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket, "Condition": {"StringLike": {"s3:prefix": [format!("{team}/*"), "shared/*"]}}}),
            allow(
                json!(["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"]),
                json!(format!("{bucket}/*")),
            ),
        ],
        "s3-write" => vec![
            allow(
                json!(["s3:Get*", "s3:PutObject*", "s3:DeleteObject"]),
                json!([format!("{bucket}/*"), format!("{bucket}-logs/*")]),
            ),
            json!({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": format!("{bucket}/audit/*")}),
        ],
        "dynamodb" => vec![allow(
            json!([
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:Query",
                "dynamodb:BatchWrite*"
            ]),
            json!([
                format!("arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/{team}-{customer}"),
                format!("arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/{team}-{customer}/index/*")
            ]),
        )],
        "ec2-ops" => vec![
            allow(
                json!(["ec2:Describe*", "ec2:StartInstances", "ec2:StopInstances"]),
                json!("*"),
            ),
            json!({"Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*", "Condition": {"StringNotEquals": {"aws:ResourceTag/team": team}}}),
        ],
        "lambda" => vec![allow(
            json!(["lambda:InvokeFunction", "lambda:GetFunction*"]),
            json!(format!("arn:aws:lambda:*:{ACCOUNT}:function:{team}-*")),
        )],
        "power-user" => vec![
            json!({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*", "sso:*"], "Resource": "*"}),
        ],
        "regional" => vec![
            json!({"Effect": "Allow", "Action": ["ec2:*", "ecs:*", "ecr:*"], "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}}),
        ],
        "network" => vec![
            allow(
                json!([
                    "sqs:SendMessage",
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sns:Publish"
                ]),
                json!(format!("arn:aws:sqs:eu-west-1:{ACCOUNT}:{team}-*")),
            ),
            json!({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}, "Bool": {"aws:ViaAWSService": "false"}}}),
        ],
        "kms" => vec![
            json!({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"), "Condition": {"StringEquals": {"kms:ViaService": ["s3.eu-west-1.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com"]}}}),
        ],
        "pass-role" => vec![
            allow(
                json!(["iam:PassRole", "iam:GetRole"]),
                json!(format!("arn:aws:iam::{ACCOUNT}:role/{team}-*")),
            ),
            allow(
                json!([
                    "lambda:CreateFunction",
                    "lambda:UpdateFunctionCode",
                    "iam:CreateAccessKey"
                ]),
                json!("*"),
            ),
        ],
        "secrets" => vec![
            json!({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": team}}}),
        ],
        _ => vec![
            json!({"Sid": "DenyWithoutMFA", "Effect": "Deny", "NotAction": ["iam:*MFADevice", "iam:ListVirtualMFADevices", "sts:GetSessionToken"], "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}),
            allow(
                json!(["iam:ChangePassword", "iam:GetUser"]),
                json!(format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}")),
            ),
        ],
    };
    if version > 0 {
        statements.push(allow(
            json!(["cloudwatch:PutMetricData", "xray:PutTraceSegments"]),
            json!("*"),
        ));
    }
    document(statements)
}

fn boundary_document(customer: usize) -> Value {
    let allowed = match customer {
        0 => json!([
            "s3:*",
            "dynamodb:*",
            "sqs:*",
            "sns:*",
            "logs:*",
            "cloudwatch:*",
            "kms:Decrypt",
            "secretsmanager:GetSecretValue"
        ]),
        1 => json!([
            "ecr:*",
            "ecs:*",
            "lambda:*",
            "s3:*",
            "cloudformation:*",
            "iam:PassRole",
            "logs:*"
        ]),
        _ => json!("*"),
    };
    document(vec![
        allow(allowed, json!("*")),
        json!({"Effect": "Deny", "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:PutUserPermissionsBoundary", "iam:DeleteRolePermissionsBoundary"], "Resource": "*"}),
    ])
}

/// Returns an inline policy of a principal, from one of [`INLINE_TEMPLATES`] templates.
pub(crate) fn inline_document(template: usize, owner: &str, team: &str) -> Value {
    let statements = match template {
        0 => vec![allow(
            json!(["s3:GetObject", "s3:PutObject"]),
            json!(format!("arn:aws:s3:::acme-{team}-artifacts/{owner}/*")),
        )],
        1 => vec![allow(
            json!("sqs:*"),
            json!(format!("arn:aws:sqs:*:{ACCOUNT}:{owner}-*")),
        )],
        2 => vec![
            json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::{ACCOUNT}:role/{team}-*")}),
        ],
        3 => vec![
            allow(
                json!(["dynamodb:*"]),
                json!(format!("arn:aws:dynamodb:*:{ACCOUNT}:table/{owner}")),
            ),
            json!({"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"}),
        ],
        4 => vec![
            json!({"Effect": "Allow", "Action": ["ssm:GetParameter*"], "Resource": format!("arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/{team}/*"), "Condition": {"StringEquals": {"aws:PrincipalTag/team": team}}}),
        ],
        5 => vec![allow(
            json!(["iam:PutRolePolicy", "iam:AttachRolePolicy"]),
            json!(format!("arn:aws:iam::{ACCOUNT}:role/{owner}")),
        )],
        6 => vec![allow(
            json!(["logs:CreateLogStream", "logs:PutLogEvents"]),
            json!(format!("arn:aws:logs:*:{ACCOUNT}:log-group:/{team}/*")),
        )],
        _ => vec![allow(
            json!(["ec2:Describe*", "ecs:Describe*", "ecs:List*"]),
            json!("*"),
        )],
    };
    document(statements)
}

/// Services whose read actions the read-only AWS-provided policies list, as the real ones do
/// service by service.
const READ_SERVICES: [&str; 64] = [
    "access-analyzer",
    "acm",
    "apigateway",
    "application-autoscaling",
    "appsync",
    "athena",
    "autoscaling",
    "backup",
    "batch",
    "cloudformation",
    "cloudfront",
    "cloudtrail",
    "cloudwatch",
    "codebuild",
    "codecommit",
    "codedeploy",
    "codepipeline",
    "cognito-idp",
    "config",
    "dax",
    "directconnect",
    "dms",
    "ds",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "eks",
    "elasticache",
    "elasticbeanstalk",
    "elasticfilesystem",
    "elasticloadbalancing",
    "elasticmapreduce",
    "es",
    "events",
    "firehose",
    "glacier",
    "glue",
    "guardduty",
    "iam",
    "inspector",
    "iot",
    "kafka",
    "kinesis",
    "kms",
    "lambda",
    "logs",
    "organizations",
    "rds",
    "redshift",
    "route53",
    "route53resolver",
    "s3",
    "sagemaker",
    "secretsmanager",
    "securityhub",
    "ses",
    "sns",
    "sqs",
    "ssm",
    "states",
    "tag",
    "waf",
    "xray",
];

fn read_patterns(verbs: &[&str]) -> Value {
    let patterns: Vec<String> = READ_SERVICES
        .iter()
        .flat_map(|service| verbs.iter().map(move |verb| format!("{service}:{verb}")))
        .collect();
    json!(patterns)
}

fn allow(action: Value, resource: Value) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provided_policy_has_a_document() {
        for index in 0..PROVIDED.len() {
            let document = provided_document(index);
            assert!(
                document["Statement"]
                    .as_array()
                    .is_some_and(|list| !list.is_empty())
            );
        }
    }

    #[test]
    fn administrator_access_allows_everything() {
        assert_eq!(PROVIDED[ADMINISTRATOR_ACCESS], "AdministratorAccess");
        let document = provided_document(ADMINISTRATOR_ACCESS);
        assert_eq!(document["Statement"][0]["Action"], json!("*"));
    }

    #[test]
    fn customer_names_are_unique() {
        let names: std::collections::BTreeSet<String> = (0..500).map(customer_name).collect();
        assert_eq!(names.len(), 500);
    }
}
