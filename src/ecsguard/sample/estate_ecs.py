"""Builds the sample estate's ECS layer from ``estate_spec``: clusters, container instances,
capacity provider, task definitions, services and running tasks."""

from __future__ import annotations

import json
from typing import Any

from ecsguard.sample.estate_base import ACCOUNT, REGION, Estate
from ecsguard.sample.estate_spec import CLUSTERS, ENCRYPTED_ROOT, HOSTS, SERVICES, Svc


def resolve(estate: Estate, value: Any) -> Any:
    """Replace ``kind:name`` placeholders (secrets, params, keys, EFS ids) with real ids."""
    if isinstance(value, dict):
        return {k: resolve(estate, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(estate, v) for v in value]
    if isinstance(value, str) and value in estate.ids:
        return estate.ids[value]
    return value


def container(estate: Estate, name: str, svc: Svc, **changes: Any) -> dict[str, Any]:
    cluster = svc.cluster
    item: dict[str, Any] = {
        "name": name,
        "image": f"ecr:{cluster}/{name}:1.4.2",
        "essential": True,
        "memory": 512,
        "cpu": 256,
        "portMappings": [
            {
                "containerPort": svc.port,
                "hostPort": svc.port,
                "protocol": "tcp",
                "name": f"{name}-port",
            }
        ],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": f"/ecs/{cluster}/{name}",
                "awslogs-region": REGION,
                "awslogs-stream-prefix": name,
                "mode": "non-blocking",
            },
        },
    }
    item.update(svc.container)
    item.update(changes)
    if item.get("logConfiguration") is None:
        item.pop("logConfiguration", None)
    image = str(item["image"])
    if image.startswith("ecr:"):
        repo, _, tag = image[4:].partition(":")
        item["image"] = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repo}:{tag}"
    return resolve(estate, item)  # type: ignore[no-any-return]


def register(estate: Estate, name: str, **changes: Any) -> str:
    """Register a revision of family ``name`` (``changes`` override the main container)."""
    svc = SERVICES[name]
    ids = estate.ids
    args: dict[str, Any] = {
        "family": name,
        "networkMode": svc.network,
        "containerDefinitions": [container(estate, name, svc, **changes)],
        "taskRoleArn": ids[f"role:{svc.task_role}"],
        "executionRoleArn": ids["role:ecsTaskExecutionRole"],
        "volumes": resolve(estate, list(svc.volumes)),
        "requiresCompatibilities": [svc.launch],
        "tags": [{"key": k, "value": v} for k, v in svc.tags.items()],
    }
    if svc.launch == "FARGATE":
        args.update(
            cpu="512",
            memory="1024",
            runtimePlatform={"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
        )
    arn: str = estate.c("ecs").register_task_definition(**args)["taskDefinition"][
        "taskDefinitionArn"
    ]
    ids[f"td:{name}"] = arn
    return arn


def build_hosts(estate: Estate) -> None:
    ec2, ecs, ids = estate.c("ec2"), estate.c("ecs"), estate.ids
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    for cluster, spec in CLUSTERS.items():
        args = {"clusterName": cluster, "settings": spec["settings"], "tags": spec["tags"]}
        if "configuration" in spec:
            args["configuration"] = resolve(estate, spec["configuration"])
        ids[f"cluster:{cluster}"] = ecs.create_cluster(**args)["cluster"]["clusterArn"]
        host, subnet, sg, imdsv2 = HOSTS[cluster]
        instance = ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType="m5.large",
            SubnetId=ids[f"subnet:{subnet}"],
            SecurityGroupIds=[ids[f"sg:{sg}"]],
            IamInstanceProfile={"Name": "ecsInstanceProfile"},
            BlockDeviceMappings=[
                {
                    "DeviceName": "/dev/sda1",
                    "Ebs": {"VolumeSize": 30, "Encrypted": ENCRYPTED_ROOT[cluster]},
                }
            ],
            MetadataOptions={
                "HttpTokens": "required" if imdsv2 else "optional",
                "HttpPutResponseHopLimit": 1 if imdsv2 else 2,
            },
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": host}]}
            ],
        )["Instances"][0]
        ids[f"i:{cluster}"] = instance["InstanceId"]
        document = {
            "instanceId": instance["InstanceId"],
            "region": REGION,
            "accountId": ACCOUNT,
            "availabilityZone": instance["Placement"]["AvailabilityZone"],
        }
        ci = ecs.register_container_instance(
            cluster=cluster,
            instanceIdentityDocument=json.dumps(document),
            totalResources=[
                {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": 7680},
            ],
            tags=[{"key": "Name", "value": host}],
        )["containerInstance"]
        ids[f"ci:{cluster}"] = ci["containerInstanceArn"]


def build_capacity(estate: Estate) -> None:
    """An ASG capacity provider without managed termination protection (ECS.19 fails)."""
    ecs = estate.c("ecs")
    asg = (
        f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:"
        "5f1c2d3e-0000-4000-8000-000000000001:autoScalingGroupName/storefront-asg"
    )
    ecs.create_capacity_provider(
        name="storefront-asg",
        autoScalingGroupProvider={
            "autoScalingGroupArn": asg,
            "managedTerminationProtection": "DISABLED",
            "managedScaling": {"status": "ENABLED", "targetCapacity": 90},
        },
    )
    ecs.put_cluster_capacity_providers(
        cluster="storefront",
        capacityProviders=["storefront-asg", "FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "storefront-asg", "weight": 1}],
    )


def create_service(estate: Estate, name: str) -> None:
    svc, ids, ecs = SERVICES[name], estate.ids, estate.c("ecs")
    args: dict[str, Any] = {
        "cluster": svc.cluster,
        "serviceName": name,
        "taskDefinition": ids[f"td:{name}"],
        "desiredCount": svc.desired,
        "launchType": svc.launch,
        "propagateTags": "SERVICE",
        "tags": [{"key": k, "value": v} for k, v in svc.tags.items()],
        "deploymentController": {"type": "ECS"},
        "schedulingStrategy": "REPLICA",
    }
    if svc.launch == "FARGATE":
        args["platformVersion"] = "LATEST" if name != "admin-bastion" else "1.3.0"
    if svc.network == "awsvpc":
        args["networkConfiguration"] = network(estate, svc)
    if svc.target_group:
        args["loadBalancers"] = [
            {
                "targetGroupArn": ids[f"tg:{svc.target_group}"],
                "containerName": name,
                "containerPort": svc.port,
            }
        ]
    if svc.registry:
        args["serviceRegistries"] = [{"registryArn": ids[f"sd:{svc.registry}"]}]
    ids[f"svc:{name}"] = ecs.create_service(**args)["service"]["serviceArn"]


def network(estate: Estate, svc: Svc) -> dict[str, Any]:
    return {
        "awsvpcConfiguration": {
            "subnets": [estate.ids[f"subnet:{s}"] for s in svc.subnets],
            "securityGroups": [estate.ids[f"sg:{g}"] for g in svc.sgs],
            "assignPublicIp": "ENABLED" if svc.public_ip else "DISABLED",
        }
    }


def run_tasks(estate: Estate, name: str, count: int) -> None:
    """Start ``count`` tasks the way the service scheduler would (moto services start none)."""
    svc, ecs = SERVICES[name], estate.c("ecs")
    args: dict[str, Any] = {
        "cluster": svc.cluster,
        "taskDefinition": estate.ids[f"td:{name}"],
        "count": count,
        "launchType": svc.launch,
        "group": f"service:{name}",
        "startedBy": f"ecs-svc/{name}",
        "tags": [{"key": k, "value": v} for k, v in svc.tags.items()],
    }
    if svc.network == "awsvpc":
        args["networkConfiguration"] = network(estate, svc)
    for task in ecs.run_task(**args)["tasks"]:
        estate.ids[f"task:{name}:{task['taskArn'].rsplit('/', 1)[-1]}"] = task["taskArn"]


def build_ecs(estate: Estate) -> None:
    ecs = estate.c("ecs")
    ecs.put_account_setting(name="containerInsights", value="enhanced")
    ecs.put_account_setting(name="awsvpcTrunking", value="enabled")
    build_hosts(estate)
    build_capacity(estate)
    # payment-api:1 is an older revision still ACTIVE, with the DB password in plain env.
    register(
        estate,
        "payment-api",
        secrets=[],
        environment=[{"name": "DB_PASSWORD", "value": "Sup3rS3cret-sample"}],
    )
    for name in SERVICES:
        register(estate, name)
        create_service(estate, name)
    for name, svc in SERVICES.items():
        run_tasks(estate, name, min(svc.desired, 2))
    # A retired family: every revision INACTIVE, one still carrying a plaintext token.
    legacy = Svc("payments", "FARGATE", "awsvpc", 8000, {"pci:chd": "none"}, "app-task-role")
    SERVICES_LEGACY = {"legacy-importer": legacy}
    for revision in range(2):
        env = [{"name": "IMPORT_TOKEN", "value": f"tok-sample-{revision}"}]
        args = {
            "family": "legacy-importer",
            "networkMode": "awsvpc",
            "containerDefinitions": [
                container(
                    estate, "legacy-importer", SERVICES_LEGACY["legacy-importer"], environment=env
                )
            ],
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
        }
        arn = ecs.register_task_definition(**args)["taskDefinition"]["taskDefinitionArn"]
        ecs.deregister_task_definition(taskDefinition=arn)
