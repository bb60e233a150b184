"""The sample estate's registries, data stores, roles, discovery and load balancer."""

from __future__ import annotations

import json
from typing import Any

from ecsguard.sample.estate_base import ACCOUNT, FAKE_SECRET, REGION, Estate

AWS_POLICY = "arn:aws:iam::aws:policy/"

# repository -> (tag mutability, scan on push, KMS alias or None, lifecycle, public policy)
REPOSITORIES = {
    "payments/payment-api": ("IMMUTABLE", True, "ecr", True, False),
    "payments/tokenizer": ("IMMUTABLE", True, "ecr", True, False),
    "payments/card-batch": ("IMMUTABLE", True, "ecr", False, False),
    "payments/receipt-mailer": ("MUTABLE", True, None, False, False),
    "payments/fraud-scoring": ("IMMUTABLE", True, "ecr", True, False),
    "storefront/web": ("MUTABLE", False, None, False, False),
    "storefront/cart": ("IMMUTABLE", True, None, True, False),
    "storefront/catalog": ("IMMUTABLE", True, None, True, False),
    "platform/ci-runner": ("MUTABLE", True, None, False, True),
    "platform/log-shipper": ("IMMUTABLE", True, None, True, False),
}
LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "expire untagged",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        }
    ]
}


def build_registries(estate: Estate) -> None:
    ecr = estate.c("ecr")
    for name, (mutability, scan, alias, lifecycle, public) in REPOSITORIES.items():
        args: dict[str, Any] = {
            "repositoryName": name,
            "imageTagMutability": mutability,
            "imageScanningConfiguration": {"scanOnPush": scan},
            "tags": [{"Key": "team", "Value": name.split("/")[0]}],
        }
        if alias:
            args["encryptionConfiguration"] = {
                "encryptionType": "KMS",
                "kmsKey": estate.ids[f"kms:{alias}"],
            }
        estate.ids[f"ecr:{name}"] = ecr.create_repository(**args)["repository"]["repositoryUri"]
        if lifecycle:
            ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(LIFECYCLE))
        if public:
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AnyonePull",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                    }
                ],
            }
            ecr.set_repository_policy(repositoryName=name, policyText=json.dumps(policy))


def build_data_stores(estate: Estate) -> None:
    ids = estate.ids
    rds = estate.c("rds")
    rds.create_db_subnet_group(
        DBSubnetGroupName="cde",
        DBSubnetGroupDescription="CDE subnets",
        SubnetIds=[ids["subnet:cde-a"], ids["subnet:cde-b"]],
    )
    rds.create_db_subnet_group(
        DBSubnetGroupName="app",
        DBSubnetGroupDescription="app subnets",
        SubnetIds=[ids["subnet:app-a"], ids["subnet:app-b"]],
    )
    for name, engine, group, encrypted, tags in (
        ("cards-db", "postgres", "cde", True, {"pci:chd": "store", "data-classification": "chd"}),
        ("catalog-db", "mysql", "app", False, {"pci:chd": "none", "data-classification": "public"}),
    ):
        args: dict[str, Any] = {
            "DBInstanceIdentifier": name,
            "Engine": engine,
            "DBInstanceClass": "db.t3.medium",
            "AllocatedStorage": 50,
            "MasterUsername": "app",
            "MasterUserPassword": FAKE_SECRET,
            "DBSubnetGroupName": group,
            "VpcSecurityGroupIds": [ids[f"sg:{name}"]],
            "StorageEncrypted": encrypted,
            "PubliclyAccessible": False,
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        }
        if encrypted:
            args["KmsKeyId"] = ids["kms:payments"]
        rds.create_db_instance(**args)
    sqs = estate.c("sqs")
    ids["sqs:payment-events"] = sqs.create_queue(
        QueueName="payment-events",
        Attributes={"KmsMasterKeyId": ids["kms:payments"], "VisibilityTimeout": "60"},
        tags={"pci:chd": "none", "data-classification": "tokens"},
    )["QueueUrl"]
    ids["sqs:storefront-orders"] = sqs.create_queue(
        QueueName="storefront-orders", tags={"data-classification": "internal"}
    )["QueueUrl"]
    _buckets(estate)


# bucket -> (tags, public access blocked, KMS alias for default encryption or None)
BUCKETS: dict[str, tuple[dict[str, str], bool, str | None]] = {
    "audit-logs": ({"pci:chd": "none", "data-classification": "internal"}, True, "platform-logs"),
    "card-settlement-exports": (
        {"pci:chd": "store", "data-classification": "chd"},
        True,
        "payments",
    ),
    "storefront-assets": ({"data-classification": "public"}, False, None),
}
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _buckets(estate: Estate) -> None:
    s3 = estate.c("s3")
    for name, (tags, protected, key) in BUCKETS.items():
        s3.create_bucket(Bucket=name)
        tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_set})
        if protected:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=BLOCK_ALL)
        if key:
            default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": estate.ids[f"kms:{key}"]}
            rules = [{"ApplyServerSideEncryptionByDefault": default}]
            s3.put_bucket_encryption(
                Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules}
            )
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::storefront-assets/*",
    }
    public_read = {"Version": "2012-10-17", "Statement": [statement]}
    s3.put_bucket_policy(Bucket="storefront-assets", Policy=json.dumps(public_read))


SECRETS = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
# role -> (trusted service, AWS-managed policies, inline policies {name: [(actions, resources)]});
# "kms:payments" is a placeholder for that key's ARN.
ROLES: dict[str, tuple[str, list[str], dict[str, tuple[list[str], list[str]]]]] = {
    "ecsTaskExecutionRole": (
        "ecs-tasks",
        ["service-role/AmazonECSTaskExecutionRolePolicy"],
        {
            "read-secrets": (
                ["secretsmanager:GetSecretValue", "ssm:GetParameters", "kms:Decrypt"],
                [SECRETS + "*", "*"],
            )
        },
    ),
    # shared by payment-api (CDE) and cart (not CDE)
    "app-task-role": (
        "ecs-tasks",
        [],
        {
            "app": (
                ["sqs:SendMessage", "secretsmanager:GetSecretValue", "kms:Decrypt"],
                [
                    f"arn:aws:sqs:{REGION}:{ACCOUNT}:payment-events",
                    SECRETS + "payments/*",
                    "kms:payments",
                ],
            )
        },
    ),
    "tokenizer-task-role": (
        "ecs-tasks",
        [],
        {
            "vault": (
                ["secretsmanager:GetSecretValue", "kms:Decrypt", "kms:Encrypt"],
                [SECRETS + "payments/tokenizer-master*", "kms:payments"],
            )
        },
    ),
    "card-batch-task-role": (
        "ecs-tasks",
        [],
        {
            "exports": (
                ["s3:PutObject", "elasticfilesystem:ClientWrite"],
                ["arn:aws:s3:::card-settlement-exports/*", "*"],
            )
        },
    ),
    "storefront-task-role": ("ecs-tasks", ["AmazonS3ReadOnlyAccess"], {}),
    "ci-runner-role": ("ecs-tasks", ["AdministratorAccess"], {}),
    "platform-task-role": (
        "ecs-tasks",
        [],
        {"logs": (["logs:CreateLogStream", "logs:PutLogEvents", "s3:PutObject"], ["*"])},
    ),
    "bastion-role": ("ecs-tasks", ["AmazonSSMManagedInstanceCore"], {}),
    "ecsInstanceRole": ("ec2", ["service-role/AmazonEC2ContainerServiceforEC2Role"], {}),
}


def _trust(service: str) -> str:
    principal = {"Service": f"{service}.amazonaws.com"}
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _document(estate: Estate, actions: list[str], resources: list[str]) -> str:
    resolved = [estate.ids.get(r, r) if r.startswith("kms:") else r for r in resources]
    statement = {"Effect": "Allow", "Action": actions, "Resource": resolved}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def build_roles(estate: Estate) -> None:
    """Task roles (one shared by a CDE and a non-CDE service), execution role, host role."""
    iam = estate.c("iam")
    for name, (service, managed, inline) in ROLES.items():
        role = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=_trust(service),
            Tags=[{"Key": "managed-by", "Value": "ecsguard-sample"}],
        )
        estate.ids[f"role:{name}"] = role["Role"]["Arn"]
        for policy in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=AWS_POLICY + policy)
        for policy_name, (actions, resources) in inline.items():
            document = _document(estate, actions, resources)
            iam.put_role_policy(RoleName=name, PolicyName=policy_name, PolicyDocument=document)
    iam.create_instance_profile(InstanceProfileName="ecsInstanceProfile")
    iam.add_role_to_instance_profile(
        InstanceProfileName="ecsInstanceProfile", RoleName="ecsInstanceRole"
    )


def build_discovery(estate: Estate) -> None:
    sd, ids = estate.c("servicediscovery"), estate.ids
    sd.create_private_dns_namespace(
        Name="internal.local", Vpc=ids["vpc:prod"], Tags=[{"Key": "team", "Value": "platform"}]
    )
    namespace = next(n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == "internal.local")
    ids["ns:internal.local"] = namespace["Id"]
    for name in ("tokenizer", "cart", "catalog", "search"):
        service = sd.create_service(
            Name=name,
            NamespaceId=namespace["Id"],
            DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 10}], "RoutingPolicy": "MULTIVALUE"},
        )
        ids[f"sd:{name}"] = service["Service"]["Arn"]


def build_load_balancer(estate: Estate) -> None:
    elb, ids = estate.c("elbv2"), estate.ids
    cert = estate.c("acm").request_certificate(DomainName="shop.example.com")["CertificateArn"]
    lb = elb.create_load_balancer(
        Name="public-alb",
        Scheme="internet-facing",
        Type="application",
        Subnets=[ids["subnet:public-a"], ids["subnet:public-b"]],
        SecurityGroups=[ids["sg:alb-public"]],
        Tags=[{"Key": "team", "Value": "edge"}],
    )["LoadBalancers"][0]["LoadBalancerArn"]
    ids["lb:public-alb"] = lb
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=lb,
        Attributes=[
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": "audit-logs"},
        ],
    )
    for name, port, protocol in (("payment-api", 8443, "HTTPS"), ("web", 8080, "HTTP")):
        tg = elb.create_target_group(
            Name=f"{name}-tg",
            Protocol=protocol,
            Port=port,
            VpcId=ids["vpc:prod"],
            TargetType="ip",
            HealthCheckPath="/health",
            HealthCheckProtocol=protocol,
        )["TargetGroups"][0]["TargetGroupArn"]
        ids[f"tg:{name}"] = tg
    elb.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {
                "Type": "redirect",
                "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
            }
        ],
    )
    for port, target in ((443, "web"), (8443, "payment-api")):
        elb.create_listener(
            LoadBalancerArn=lb,
            Protocol="HTTPS",
            Port=port,
            Certificates=[{"CertificateArn": cert}],
            SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
            DefaultActions=[{"Type": "forward", "TargetGroupArn": ids[f"tg:{target}"]}],
        )
