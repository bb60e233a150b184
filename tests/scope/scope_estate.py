"""Hand-built estates as snapshot documents in real AWS API shapes (DescribeServices,
DescribeTaskDefinition, DescribeSecurityGroups, ... items), for the scope tests."""

from __future__ import annotations

import copy
from typing import Any

from ecsguard.collect.snapshot import load_snapshot
from ecsguard.model import Inventory, InventoryBuilder

ACCT = "111122223333"
REGION = "us-east-1"


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCT}:{resource}"


def perm(
    proto: str = "tcp",
    port: int | tuple[int, int] | None = None,
    *,
    cidrs: list[str] = (),
    cidrs6: list[str] = (),  # type: ignore[assignment]
    sgs: list[str] = (),
    pls: list[str] = (),
) -> dict[str, Any]:  # type: ignore[assignment]
    """One IpPermissions item, as DescribeSecurityGroups returns it."""
    item: dict[str, Any] = {
        "IpProtocol": proto,
        "IpRanges": [{"CidrIp": c} for c in cidrs],
        "Ipv6Ranges": [{"CidrIpv6": c} for c in cidrs6],
        "PrefixListIds": [{"PrefixListId": p} for p in pls],
        "UserIdGroupPairs": [{"GroupId": g, "UserId": ACCT} for g in sgs],
    }
    if proto != "-1" and port is not None:
        lo, hi = (port, port) if isinstance(port, int) else port
        item["FromPort"], item["ToPort"] = lo, hi
    return item


ALL_OUT = perm("-1", cidrs=["0.0.0.0/0"])


class Estate:
    """Builder of one snapshot; every add_* returns the item so tests can mutate it."""

    def __init__(self) -> None:
        self.doc: dict[str, Any] = {
            "ecsguard_snapshot": 1,
            "collected_at": "2026-11-29T06:00:00Z",
            "account_id": ACCT,
            "partition": "aws",
            "regions": {REGION: {}},
            "errors": [],
        }

    def _list(self, service: str, key: str) -> list[dict[str, Any]]:
        return self.doc["regions"][REGION].setdefault(service, {}).setdefault(key, [])

    def vpc(self, vpc_id: str, cidr: str) -> dict[str, Any]:
        item = {
            "VpcId": vpc_id,
            "CidrBlock": cidr,
            "CidrBlockAssociationSet": [{"CidrBlock": cidr}],
            "OwnerId": ACCT,
        }
        self._list("ec2", "vpcs").append(item)
        return item

    def subnet(
        self, subnet_id: str, vpc_id: str, cidr: str, v6: str | None = None
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "SubnetId": subnet_id,
            "VpcId": vpc_id,
            "CidrBlock": cidr,
            "AvailabilityZone": "us-east-1a",
            "SubnetArn": arn("ec2", f"subnet/{subnet_id}"),
        }
        if v6:
            item["Ipv6CidrBlockAssociationSet"] = [{"Ipv6CidrBlock": v6}]
        self._list("ec2", "subnets").append(item)
        return item

    def sg(
        self,
        gid: str,
        vpc_id: str,
        ingress: list[dict[str, Any]] = (),
        egress: list[dict[str, Any]] | None = None,  # type: ignore[assignment]
        name: str | None = None,
    ) -> dict[str, Any]:
        item = {
            "GroupId": gid,
            "GroupName": name or gid,
            "VpcId": vpc_id,
            "OwnerId": ACCT,
            "Description": gid,
            "IpPermissions": list(ingress),
            "IpPermissionsEgress": [ALL_OUT] if egress is None else list(egress),
        }
        self._list("ec2", "securityGroups").append(item)
        return item

    def cluster(
        self, name: str, tags: dict[str, str] | None = None, default_strategy: list[str] = ()
    ) -> dict[str, Any]:  # type: ignore[assignment]
        item = {
            "clusterArn": arn("ecs", f"cluster/{name}"),
            "clusterName": name,
            "status": "ACTIVE",
            "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
            "defaultCapacityProviderStrategy": [
                {"capacityProvider": c, "weight": 1} for c in default_strategy
            ],
        }
        self._list("ecs", "clusters").append(item)
        return item

    def task_def(
        self,
        family: str,
        *,
        revision: int = 1,
        mode: str | None = "awsvpc",
        role: str | None = None,
        exec_role: str | None = None,
        secrets: list[str] = (),
        log_group: str | None = None,  # type: ignore[assignment]
        image: str | None = None,
        tags: dict[str, str] | None = None,
        efs: tuple[str, bool] | None = None,
        fargate: bool = True,
    ) -> dict[str, Any]:
        container: dict[str, Any] = {
            "name": family,
            "image": image or f"{ACCT}.dkr.ecr.{REGION}.amazonaws.com/{family}:1",
            "essential": True,
            "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
            "secrets": [{"name": f"S{i}", "valueFrom": s} for i, s in enumerate(secrets)],
        }
        if log_group:
            container["logConfiguration"] = {
                "logDriver": "awslogs",
                "options": {"awslogs-group": log_group, "awslogs-region": REGION},
            }
        item: dict[str, Any] = {
            "taskDefinitionArn": arn("ecs", f"task-definition/{family}:{revision}"),
            "family": family,
            "revision": revision,
            "status": "ACTIVE",
            "containerDefinitions": [container],
            "requiresCompatibilities": ["FARGATE"] if fargate else ["EC2"],
            "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
        }
        if mode:
            item["networkMode"] = mode
        if role:
            item["taskRoleArn"] = arn("iam", f"role/{role}").replace(f":{REGION}:", "::")
        if exec_role:
            item["executionRoleArn"] = arn("iam", f"role/{exec_role}").replace(f":{REGION}:", "::")
        if efs:
            item["volumes"] = [
                {
                    "name": "data",
                    "efsVolumeConfiguration": {
                        "fileSystemId": efs[0],
                        "transitEncryption": "ENABLED",
                    },
                }
            ]
            container["mountPoints"] = [
                {"sourceVolume": "data", "containerPath": "/data", "readOnly": not efs[1]}
            ]
        self._list("ecs", "taskDefinitions").append(item)
        return item

    def service(
        self,
        name: str,
        cluster: str,
        td: dict[str, Any],
        *,
        subnets: list[str] = (),
        sgs: list[str] = (),  # type: ignore[assignment]
        launch: str | None = "FARGATE",
        tags: dict[str, str] | None = None,
        desired: int = 2,
        tgs: list[str] = (),
        strategy: list[str] = (),
    ) -> dict[str, Any]:  # type: ignore[assignment]
        item: dict[str, Any] = {
            "serviceArn": arn("ecs", f"service/{cluster}/{name}"),
            "serviceName": name,
            "clusterArn": arn("ecs", f"cluster/{cluster}"),
            "taskDefinition": td["taskDefinitionArn"],
            "desiredCount": desired,
            "runningCount": desired,
            "status": "ACTIVE",
            "schedulingStrategy": "REPLICA",
            "loadBalancers": [
                {"targetGroupArn": t, "containerName": td["family"], "containerPort": 8080}
                for t in tgs
            ],
            "deployments": [
                {"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": td["taskDefinitionArn"]}
            ],
            "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
        }
        if launch:
            item["launchType"] = launch
        if strategy:
            item["capacityProviderStrategy"] = [
                {"capacityProvider": c, "weight": 1} for c in strategy
            ]
        if subnets or sgs:
            item["networkConfiguration"] = {
                "awsvpcConfiguration": {
                    "subnets": list(subnets),
                    "securityGroups": list(sgs),
                    "assignPublicIp": "DISABLED",
                }
            }
        self._list("ecs", "services").append(item)
        return item

    def host(
        self,
        cluster: str,
        instance_id: str,
        subnet: str,
        vpc: str,
        ip: str,
        sgs: list[str],
        cp: str | None = None,
    ) -> dict[str, Any]:
        ci = {
            "containerInstanceArn": arn("ecs", f"container-instance/{cluster}/{instance_id}"),
            "ec2InstanceId": instance_id,
            "clusterArn": arn("ecs", f"cluster/{cluster}"),
            "status": "ACTIVE",
            "agentConnected": True,
        }
        if cp:
            ci["capacityProviderName"] = cp
        self._list("ecs", "containerInstances").append(ci)
        self._list("ec2", "instances").append(
            {
                "InstanceId": instance_id,
                "SubnetId": subnet,
                "VpcId": vpc,
                "PrivateIpAddress": ip,
                "SecurityGroups": [{"GroupId": g, "GroupName": g} for g in sgs],
                "State": {"Name": "running", "Code": 16},
                "NetworkInterfaces": [
                    {
                        "NetworkInterfaceId": f"eni-{instance_id}",
                        "SubnetId": subnet,
                        "Groups": [{"GroupId": g} for g in sgs],
                    }
                ],
            }
        )
        return ci

    def task(
        self,
        cluster: str,
        task_id: str,
        td: dict[str, Any],
        *,
        group: str,
        host: dict[str, Any] | None = None,
        tags: dict[str, str] | None = None,
        launch: str = "EC2",
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "taskArn": arn("ecs", f"task/{cluster}/{task_id}"),
            "clusterArn": arn("ecs", f"cluster/{cluster}"),
            "taskDefinitionArn": td["taskDefinitionArn"],
            "group": group,
            "lastStatus": "RUNNING",
            "launchType": launch,
            "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
        }
        if host:
            item["containerInstanceArn"] = host["containerInstanceArn"]
        self._list("ecs", "tasks").append(item)
        return item

    def role(self, name: str, statements: list[dict[str, Any]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
        item = {
            "RoleName": name,
            "Arn": f"arn:aws:iam::{ACCT}:role/{name}",
            "RoleId": name.upper(),
            "AttachedPolicies": [],
            "RolePolicyList": [
                {
                    "PolicyName": f"{name}-inline",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)},
                }
            ],
        }
        self._list("iam", "roles").append(item)
        return item

    def secret(self, name: str, kms: str | None = None) -> str:
        a = arn("secretsmanager", f"secret:{name}-AbCdEf")
        item: dict[str, Any] = {"ARN": a, "Name": name}
        if kms:
            item["KmsKeyId"] = kms
        self._list("secretsmanager", "secrets").append(item)
        return a

    def log_group(self, name: str) -> dict[str, Any]:
        item = {
            "logGroupName": name,
            "arn": arn("logs", f"log-group:{name}:*"),
            "logGroupArn": arn("logs", f"log-group:{name}"),
        }
        self._list("logs", "logGroups").append(item)
        return item

    def rds(
        self,
        ident: str,
        vpc: str,
        subnets: list[str],
        sgs: list[str],
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        item = {
            "DBInstanceIdentifier": ident,
            "DBInstanceArn": arn("rds", f"db:{ident}"),
            "Engine": "postgres",
            "DBSubnetGroup": {"VpcId": vpc, "Subnets": [{"SubnetIdentifier": s} for s in subnets]},
            "VpcSecurityGroups": [{"VpcSecurityGroupId": g, "Status": "active"} for g in sgs],
            "Endpoint": {"Address": f"{ident}.rds.amazonaws.com", "Port": 5432},
            "TagList": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        }
        self._list("rds", "dbInstances").append(item)
        return item

    def alb(
        self,
        name: str,
        vpc: str,
        subnets: list[str],
        sgs: list[str],
        *,
        scheme: str = "internet-facing",
        kind: str = "application",
        port: int = 443,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        lb_arn = arn("elasticloadbalancing", f"loadbalancer/app/{name}/abc")
        lb = {
            "LoadBalancerArn": lb_arn,
            "LoadBalancerName": name,
            "Scheme": scheme,
            "VpcId": vpc,
            "Type": kind,
            "AvailabilityZones": [{"ZoneName": "us-east-1a", "SubnetId": s} for s in subnets],
            "SecurityGroups": list(sgs),
        }
        tg_arn = arn("elasticloadbalancing", f"targetgroup/{name}-tg/abc")
        tg = {
            "TargetGroupArn": tg_arn,
            "TargetGroupName": f"{name}-tg",
            "Protocol": "HTTP",
            "Port": 8080,
            "VpcId": vpc,
            "TargetType": "ip",
            "LoadBalancerArns": [lb_arn],
        }
        listener = {
            "ListenerArn": arn("elasticloadbalancing", f"listener/app/{name}/abc/1"),
            "LoadBalancerArn": lb_arn,
            "Port": port,
            "Protocol": "HTTPS" if kind == "application" else "TCP",
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg_arn}],
        }
        self._list("elbv2", "loadBalancers").append(lb)
        self._list("elbv2", "targetGroups").append(tg)
        self._list("elbv2", "listeners").append(listener)
        return lb, tg

    def inventory(self) -> Inventory:
        builder = InventoryBuilder()
        load_snapshot(copy.deepcopy(self.doc), "estate.json", builder)
        return builder.build()
