"""The sample estate's foundations: network, keys, logs, secrets, storage, registries, roles.

Every resource is created through boto3 against a moto server; ids land in ``Estate.ids`` by
the friendly name the ECS layer and the generation changes look them up with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ecsguard.testing import client

ACCOUNT = "123456789012"
REGION = "us-east-1"
FAKE_SECRET = "not-a-real-secret-sample-estate"  # value stored in the fake endpoint only


@dataclass
class Estate:
    """Handles on a built estate: the endpoint and every created id by friendly name."""

    url: str
    ids: dict[str, str] = field(default_factory=dict)
    generation: int = 0
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def c(self, service: str) -> Any:
        """A cached client (making one costs far more than a call to moto)."""
        if service not in self._clients:
            self._clients[service] = client(self.url, service, REGION)
        return self._clients[service]


def tags_ec2(name: str, **extra: str) -> list[dict[str, Any]]:
    tags = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in extra.items()]
    return [{"ResourceType": "security-group", "Tags": tags}]


# Subnets: name -> (vpc, cidr, az, public)
SUBNETS = {
    "public-a": ("prod", "10.0.0.0/24", "us-east-1a", True),
    "public-b": ("prod", "10.0.1.0/24", "us-east-1b", True),
    "cde-a": ("prod", "10.0.10.0/24", "us-east-1a", False),
    "cde-b": ("prod", "10.0.11.0/24", "us-east-1b", False),
    "app-a": ("prod", "10.0.20.0/24", "us-east-1a", False),
    "app-b": ("prod", "10.0.21.0/24", "us-east-1b", False),
    "platform-a": ("prod", "10.0.30.0/24", "us-east-1a", False),
    "shared-a": ("shared", "10.50.0.0/24", "us-east-1a", False),
}

# Security groups: name -> (description, ingress rules). A rule peer is a CIDR, "sg:NAME",
# "pl:NAME" (prefix list) or "self". Ports are (from, to); protocol "-1" means all.
SECURITY_GROUPS: dict[str, tuple[str, list[tuple[str, int, int, str]]]] = {
    "alb-public": (
        "public ALB",
        [
            ("tcp", 443, 443, "0.0.0.0/0"),
            ("tcp", 80, 80, "0.0.0.0/0"),
            ("tcp", 8443, 8443, "0.0.0.0/0"),
        ],
    ),
    "payment-api": (
        "payment-api tasks",
        [
            ("tcp", 8443, 8443, "sg:alb-public"),
            ("tcp", 8443, 8443, "sg:cart"),
            ("tcp", 8443, 8443, "sg:admin-bastion"),
        ],
    ),
    "tokenizer": (
        "tokenizer tasks",
        [("tcp", 9000, 9000, "sg:payment-api"), ("tcp", 9000, 9000, "sg:payments-hosts")],
    ),
    "fraud-scoring": ("fraud scoring", [("tcp", 7000, 7000, "sg:payment-api")]),
    "payments-hosts": (
        "payments EC2 container instances (bridge tasks)",
        [("tcp", 22, 22, "pl:corp-office")],
    ),
    "shared-services": ("shared services mesh (self-referencing)", [("-1", -1, -1, "self")]),
    "web": ("storefront web", [("tcp", 8080, 8080, "sg:alb-public")]),
    "cart": ("storefront cart", [("tcp", 8080, 8080, "sg:web")]),
    "catalog": (
        "storefront catalog",
        [("tcp", 8080, 8080, "sg:web"), ("tcp", 8080, 8080, "sg:cart")],
    ),
    "search": (
        "storefront search",
        [("tcp", 9200, 9200, "sg:catalog"), ("tcp", 9200, 9200, "sg:web")],
    ),
    "storefront-hosts": ("storefront EC2 container instances", [("tcp", 22, 22, "pl:corp-office")]),
    "admin-bastion": ("admin bastion", [("tcp", 22, 22, "0.0.0.0/0")]),
    "ci-runner": ("CI runners", []),
    "metrics": (
        "metrics scrapers",
        [("tcp", 9090, 9090, "sg:web"), ("tcp", 9090, 9090, "sg:cart")],
    ),
    "log-shipper": ("log shipper", []),
    "platform-hosts": ("platform EC2 container instances", [("tcp", 22, 22, "pl:corp-office")]),
    "cards-db": (
        "cards database",
        [("tcp", 5432, 5432, "sg:tokenizer"), ("tcp", 5432, 5432, "sg:payments-hosts")],
    ),
    "catalog-db": ("catalog database", [("tcp", 3306, 3306, "sg:catalog")]),
    "efs-payments": ("payments EFS", [("tcp", 2049, 2049, "sg:payments-hosts")]),
    "efs-platform": (
        "platform EFS",
        [("tcp", 2049, 2049, "sg:platform-hosts"), ("tcp", 2049, 2049, "sg:ci-runner")],
    ),
}


def build_network(estate: Estate) -> None:
    ec2 = estate.c("ec2")
    ids = estate.ids
    for vpc, cidr in (("prod", "10.0.0.0/16"), ("shared", "10.50.0.0/16")):
        spec = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": vpc}]}]
        ids[f"vpc:{vpc}"] = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=spec)["Vpc"]["VpcId"]
        # Task ENIs get DNS names only with hostnames on (moto fails run_task without them).
        ec2.modify_vpc_attribute(VpcId=ids[f"vpc:{vpc}"], EnableDnsHostnames={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=ids["vpc:prod"])
    peering = ec2.create_vpc_peering_connection(VpcId=ids["vpc:prod"], PeerVpcId=ids["vpc:shared"])
    ids["pcx:prod-shared"] = peering["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=ids["pcx:prod-shared"])
    _subnets_and_routes(estate, ec2, igw)
    pl = ec2.create_managed_prefix_list(
        PrefixListName="corp-office",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[
            {"Cidr": "203.0.113.0/24", "Description": "HQ"},
            {"Cidr": "198.51.100.0/25", "Description": "VPN"},
        ],
    )
    ids["pl:corp-office"] = pl["PrefixList"]["PrefixListId"]
    for name, (description, _) in SECURITY_GROUPS.items():
        vpc = ids["vpc:prod"]
        ids[f"sg:{name}"] = ec2.create_security_group(
            GroupName=name, Description=description, VpcId=vpc, TagSpecifications=tags_ec2(name)
        )["GroupId"]
    for name, (_, rules) in SECURITY_GROUPS.items():
        for proto, low, high, peer in rules:
            authorize(estate, name, proto, low, high, peer)
    ec2.create_vpc_endpoint(
        VpcId=ids["vpc:prod"],
        ServiceName="com.amazonaws.us-east-1.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[ids["rtb:private"]],
    )
    ec2.create_vpc_endpoint(
        VpcId=ids["vpc:prod"],
        ServiceName="com.amazonaws.us-east-1.ecr.dkr",
        VpcEndpointType="Interface",
        SubnetIds=[ids["subnet:cde-a"], ids["subnet:cde-b"]],
        SecurityGroupIds=[ids["sg:shared-services"]],
    )


def _subnets_and_routes(estate: Estate, ec2: Any, igw: str) -> None:
    ids = estate.ids
    public = ec2.create_route_table(VpcId=ids["vpc:prod"])["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    private = ec2.create_route_table(VpcId=ids["vpc:prod"])["RouteTable"]["RouteTableId"]
    ec2.create_route(
        RouteTableId=private,
        DestinationCidrBlock="10.50.0.0/16",
        VpcPeeringConnectionId=ids["pcx:prod-shared"],
    )
    shared = ec2.create_route_table(VpcId=ids["vpc:shared"])["RouteTable"]["RouteTableId"]
    ec2.create_route(
        RouteTableId=shared,
        DestinationCidrBlock="10.0.0.0/16",
        VpcPeeringConnectionId=ids["pcx:prod-shared"],
    )
    ids.update({"rtb:public": public, "rtb:private": private, "rtb:shared": shared})
    for name, (vpc, cidr, az, is_public) in SUBNETS.items():
        spec = [{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}]
        subnet = ec2.create_subnet(
            VpcId=ids[f"vpc:{vpc}"], CidrBlock=cidr, AvailabilityZone=az, TagSpecifications=spec
        )["Subnet"]["SubnetId"]
        ids[f"subnet:{name}"] = subnet
        table = public if is_public else (shared if vpc == "shared" else private)
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        if is_public:
            ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})


def authorize(estate: Estate, name: str, proto: str, low: int, high: int, peer: str) -> None:
    """Add one ingress rule to security group ``name`` (peer syntax as in SECURITY_GROUPS)."""
    ids = estate.ids
    perm: dict[str, Any] = {"IpProtocol": proto}
    if proto != "-1":
        perm.update(FromPort=low, ToPort=high)
    if peer == "self":
        perm["UserIdGroupPairs"] = [{"GroupId": ids[f"sg:{name}"], "Description": "members"}]
    elif peer.startswith("sg:"):
        perm["UserIdGroupPairs"] = [{"GroupId": ids[peer], "Description": f"from {peer[3:]}"}]
    elif peer.startswith("pl:"):
        perm["PrefixListIds"] = [{"PrefixListId": ids[peer], "Description": "corp office"}]
    else:
        perm["IpRanges"] = [{"CidrIp": peer, "Description": f"from {peer}"}]
    estate.c("ec2").authorize_security_group_ingress(
        GroupId=ids[f"sg:{name}"], IpPermissions=[perm]
    )


def build_keys_and_logs(estate: Estate) -> None:
    kms, logs, ids = estate.c("kms"), estate.c("logs"), estate.ids
    for key_alias, rotate in (
        ("payments", True),
        ("platform-logs", False),
        ("ecr", True),
        ("storefront", False),
    ):
        key = kms.create_key(
            Description=f"{key_alias} CMK", Tags=[{"TagKey": "team", "TagValue": key_alias}]
        )
        key_id = key["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=f"alias/{key_alias}", TargetKeyId=key_id)
        if rotate:
            kms.enable_key_rotation(KeyId=key_id)
        ids[f"kms:{key_alias}"] = key["KeyMetadata"]["Arn"]
    # log group -> (retention days or None, key alias or None)
    groups = {
        "/ecs/payments/payment-api": (365, "payments"),
        "/ecs/payments/tokenizer": (365, "payments"),
        "/ecs/payments/fraud-scoring": (365, "payments"),
        "/ecs/payments/card-batch": (None, None),
        "/ecs/payments/receipt-mailer": (30, None),
        "/ecs/storefront/web": (30, None),
        "/ecs/storefront/cart": (30, None),
        "/ecs/storefront/catalog": (30, None),
        "/ecs/storefront/search": (None, None),
        "/ecs/platform/log-shipper": (90, "platform-logs"),
        "/ecs/platform/ci-runner": (14, None),
        "/ecs/platform/metrics": (90, "platform-logs"),
        "/ecs/exec-audit": (400, "payments"),
    }
    for name, (retention, alias) in groups.items():
        args: dict[str, Any] = {"logGroupName": name, "tags": {"cluster": name.split("/")[2]}}
        if alias:
            args["kmsKeyId"] = ids[f"kms:{alias}"]
        logs.create_log_group(**args)
        if retention:
            logs.put_retention_policy(logGroupName=name, retentionInDays=retention)


def build_secrets(estate: Estate) -> None:
    sm, ssm, ids = estate.c("secretsmanager"), estate.c("ssm"), estate.ids
    for name, alias in (
        ("payments/db-password", "payments"),
        ("payments/tokenizer-master", "payments"),
        ("storefront/session-key", None),
        ("platform/ci-token", None),
    ):
        args: dict[str, Any] = {
            "Name": name,
            "SecretString": FAKE_SECRET,
            "Tags": [{"Key": "team", "Value": name.split("/")[0]}],
        }
        if alias:
            args["KmsKeyId"] = ids[f"kms:{alias}"]
        ids[f"secret:{name}"] = sm.create_secret(**args)["ARN"]
    for name, kind in (
        ("/payments/api/acquirer-endpoint", "String"),
        ("/payments/api/hsm-pin", "SecureString"),
        ("/storefront/search/api-key", "String"),
    ):
        value = "https://acquirer.example" if name.endswith("endpoint") else FAKE_SECRET
        args = {"Name": name, "Value": value, "Type": kind}
        if kind == "SecureString":
            args["KeyId"] = ids["kms:payments"]
        ssm.put_parameter(**args)
        ids[f"param:{name}"] = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{name}"


def build_storage(estate: Estate) -> None:
    efs, ids = estate.c("efs"), estate.ids
    specs = {
        "payments-files": (True, "payments", "efs-payments", "cde-a"),
        "platform-shared": (False, None, "efs-platform", "platform-a"),
    }
    for name, (encrypted, alias, sg, subnet) in specs.items():
        args: dict[str, Any] = {
            "CreationToken": name,
            "Encrypted": encrypted,
            "Tags": [{"Key": "Name", "Value": name}],
        }
        if alias:
            args["KmsKeyId"] = ids[f"kms:{alias}"]
        fs_id = efs.create_file_system(**args)["FileSystemId"]
        ids[f"efs:{name}"] = fs_id
        efs.create_mount_target(
            FileSystemId=fs_id, SubnetId=ids[f"subnet:{subnet}"], SecurityGroups=[ids[f"sg:{sg}"]]
        )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    efs.put_file_system_policy(FileSystemId=ids["efs:payments-files"], Policy=json.dumps(policy))
    ap = efs.create_access_point(
        FileSystemId=ids["efs:payments-files"],
        PosixUser={"Uid": 10001, "Gid": 10001},
        RootDirectory={"Path": "/settlement"},
    )
    ids["fsap:settlement"] = ap["AccessPointId"]
    ap = efs.create_access_point(
        FileSystemId=ids["efs:platform-shared"], RootDirectory={"Path": "/"}
    )
    ids["fsap:platform-root"] = ap["AccessPointId"]
