"""The sample estate's ECS layer as data: services (with their task definition families),
clusters and container hosts, with a deliberate mix of good and bad settings (comments say
which). ``kind:name`` strings are placeholders the builder resolves to real ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Svc:
    """One ECS service of the estate and the task definition family behind it."""

    cluster: str
    launch: str  # FARGATE | EC2
    network: str  # awsvpc | bridge
    port: int
    tags: dict[str, str]
    task_role: str
    subnets: tuple[str, ...] = ()
    sgs: tuple[str, ...] = ()
    public_ip: bool = False
    target_group: str | None = None
    registry: str | None = None
    desired: int = 2
    container: dict[str, Any] = field(default_factory=dict)  # overrides for the main container
    volumes: tuple[dict[str, Any], ...] = ()


def _chd(chd: str, cls: str, **extra: str) -> dict[str, str]:
    return {"pci:chd": chd, "data-classification": cls, "team": "payments", **extra}


HARDENED: dict[str, Any] = {
    "user": "10001",
    "readonlyRootFilesystem": True,
    "linuxParameters": {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True},
    "healthCheck": {
        "command": ["CMD-SHELL", "/bin/health || exit 1"],
        "interval": 30,
        "retries": 3,
    },
}
SOCK = {"name": "docker-sock", "host": {"sourcePath": "/var/run/docker.sock"}}
SOCK_MOUNT = {"sourceVolume": "docker-sock", "containerPath": "/var/run/docker.sock"}

SERVICES: dict[str, Svc] = {
    # --- payments (CDE) -----------------------------------------------------------------
    "payment-api": Svc(
        "payments",
        "FARGATE",
        "awsvpc",
        8443,
        _chd("process,transmit", "chd", **{"pci:sad": "true"}),
        "app-task-role",
        ("cde-a", "cde-b"),
        ("payment-api",),
        target_group="payment-api",
        container={
            **HARDENED,
            "secrets": [
                {"name": "DB_PASSWORD", "valueFrom": "secret:payments/db-password"},
                {"name": "HSM_PIN", "valueFrom": "param:/payments/api/hsm-pin"},
            ],
        },
    ),
    "tokenizer": Svc(
        "payments",
        "FARGATE",
        "awsvpc",
        9000,
        _chd("process,store", "chd"),
        "tokenizer-task-role",
        ("cde-a", "cde-b"),
        ("tokenizer", "shared-services"),
        registry="tokenizer",
        container={
            **HARDENED,
            "secrets": [{"name": "MASTER_KEY", "valueFrom": "secret:payments/tokenizer-master"}],
        },
    ),
    "fraud-scoring": Svc(
        "payments",
        "FARGATE",
        "awsvpc",
        7000,
        _chd("none", "tokens"),
        "tokenizer-task-role",
        ("cde-a", "cde-b"),
        ("fraud-scoring",),
        container=HARDENED,
    ),
    # bridge on the shared payments host; EFS with TLS + IAM + access point (good), root user (bad)
    "card-batch": Svc(
        "payments",
        "EC2",
        "bridge",
        8081,
        _chd("store,transmit", "chd"),
        "card-batch-task-role",
        desired=1,
        container={
            "mountPoints": [{"sourceVolume": "settlement", "containerPath": "/data"}],
            "readonlyRootFilesystem": True,
        },
        volumes=(
            {
                "name": "settlement",
                "efsVolumeConfiguration": {
                    "fileSystemId": "efs:payments-files",
                    "transitEncryption": "ENABLED",
                    "authorizationConfig": {"accessPointId": "fsap:settlement", "iam": "ENABLED"},
                },
            },
        ),
    ),
    # non-CDE bridge service co-located with card-batch; plaintext credentials in env (bad)
    "receipt-mailer": Svc(
        "payments",
        "EC2",
        "bridge",
        8025,
        _chd("none", "truncated-pan", team="payments"),
        "app-task-role",
        desired=1,
        container={
            "user": "mailer",
            "environment": [
                {"name": "SMTP_HOST", "value": "smtp.example.com"},
                {"name": "AWS_ACCESS_KEY_ID", "value": "AKIAIOSFODNN7EXAMPLE"},
                {
                    "name": "AWS_SECRET_ACCESS_KEY",
                    "value": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                },
            ],
        },
    ),
    # --- storefront (out of the CDE) ------------------------------------------------------
    # shares app-task-role with payment-api (CDE); mutable :latest image; writable root fs
    "web": Svc(
        "storefront",
        "FARGATE",
        "awsvpc",
        8080,
        {"pci:chd": "none", "data-classification": "public"},
        "storefront-task-role",
        ("app-a", "app-b"),
        ("web",),
        target_group="web",
        desired=3,
        container={"user": "nginx", "image": "ecr:storefront/web:latest"},
    ),
    "cart": Svc(
        "storefront",
        "FARGATE",
        "awsvpc",
        8080,
        {"pci:chd": "none", "data-classification": "internal"},
        "app-task-role",
        ("app-a", "app-b"),
        ("cart",),
        registry="cart",
        container=HARDENED,
    ),
    "catalog": Svc(
        "storefront",
        "EC2",
        "awsvpc",
        8080,
        {"pci:chd": "none", "data-classification": "public"},
        "storefront-task-role",
        ("app-a", "app-b"),
        ("catalog",),
        registry="catalog",
        container=HARDENED,
    ),
    # untagged: nobody declared what it handles (scope: undetermined)
    "search": Svc(
        "storefront",
        "EC2",
        "awsvpc",
        9200,
        {},
        "storefront-task-role",
        ("app-a",),
        ("search",),
        registry="search",
        desired=1,
        container={
            "user": "1000",
            "secrets": [{"name": "API_KEY", "valueFrom": "param:/storefront/search/api-key"}],
        },
    ),
    # --- platform -------------------------------------------------------------------------
    # docker.sock (read-only) and an EFS volume without transit encryption
    "log-shipper": Svc(
        "platform",
        "EC2",
        "bridge",
        24224,
        {"pci:chd": "none", "data-classification": "internal"},
        "platform-task-role",
        desired=1,
        container={
            "mountPoints": [
                {**SOCK_MOUNT, "readOnly": True},
                {"sourceVolume": "shared", "containerPath": "/shared"},
            ]
        },
        volumes=(
            SOCK,
            {
                "name": "shared",
                "efsVolumeConfiguration": {
                    "fileSystemId": "efs:platform-shared",
                    "transitEncryption": "DISABLED",
                },
            },
        ),
    ),
    # privileged, root, docker.sock, admin role (bad, typical of CI)
    "ci-runner": Svc(
        "platform",
        "EC2",
        "bridge",
        8088,
        {"pci:chd": "none", "team": "platform"},
        "ci-runner-role",
        desired=1,
        container={"privileged": True, "user": "root", "mountPoints": [SOCK_MOUNT]},
        volumes=(SOCK,),
    ),
    "metrics": Svc(
        "platform",
        "FARGATE",
        "awsvpc",
        9090,
        {"pci:chd": "none", "data-classification": "internal"},
        "platform-task-role",
        ("platform-a",),
        ("metrics", "shared-services"),
        container=HARDENED,
    ),
    # jump host into the VPC: public IP, SSH open to the world, runs as root, no logging
    "admin-bastion": Svc(
        "platform",
        "FARGATE",
        "awsvpc",
        22,
        {"pci:forwards": "true", "pci:chd": "none"},
        "bastion-role",
        ("public-a",),
        ("admin-bastion",),
        public_ip=True,
        desired=1,
        container={
            "user": "0",
            "image": "public.ecr.aws/docker/library/ubuntu:latest",
            "logConfiguration": None,
        },
    ),
}

CLUSTERS: dict[str, dict[str, Any]] = {
    "payments": {
        "settings": [{"name": "containerInsights", "value": "enhanced"}],
        "configuration": {
            "executeCommandConfiguration": {
                "kmsKeyId": "kms:payments",
                "logging": "OVERRIDE",
                "logConfiguration": {
                    "cloudWatchLogGroupName": "/ecs/exec-audit",
                    "cloudWatchEncryptionEnabled": True,
                },
            }
        },
        "tags": [{"key": "pci:chd", "value": "process"}, {"key": "team", "value": "payments"}],
    },
    "storefront": {
        "settings": [{"name": "containerInsights", "value": "disabled"}],
        "tags": [{"key": "team", "value": "storefront"}],
    },
    "platform": {
        "settings": [{"name": "containerInsights", "value": "enabled"}],
        "configuration": {"executeCommandConfiguration": {"logging": "NONE"}},
        "tags": [{"key": "team", "value": "platform"}],
    },
}
# cluster -> root EBS volume encrypted (the storefront host was launched before the policy)
ENCRYPTED_ROOT = {"payments": True, "storefront": False, "platform": True}
# cluster -> (host name, subnet, security group, IMDSv2 required)
HOSTS = {
    "payments": ("payments-host-1", "cde-a", "payments-hosts", True),
    "storefront": ("storefront-host-1", "app-a", "storefront-hosts", True),
    "platform": ("platform-host-1", "platform-a", "platform-hosts", False),
}
