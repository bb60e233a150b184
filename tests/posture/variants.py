"""Task-definition variants (register-task-definition input) and the verdicts they must get.

Each variant is a real RegisterTaskDefinition request; ``EXPECT`` lists, per variant, the
checks that must fail (every Security Hub-mapped check not listed must pass or be not
applicable), and ``PASS`` the checks that must explicitly pass. The tricky cases are those
CONTROLS.md records other tools getting wrong.
"""

from __future__ import annotations

import copy
from typing import Any

ACCOUNT = "123456789012"
ECR = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app@sha256:{'a' * 64}"


def container(name: str = "app", **extra: Any) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": name,
        "image": ECR,
        "memory": 256,
        "essential": True,
        "user": "1000:1000",
        "readonlyRootFilesystem": True,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": "/ecs/app",
                "awslogs-region": "us-east-1",
                "mode": "non-blocking",
            },
        },
        "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]},
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}},
    }
    c.update(extra)
    return c


def td(family: str, containers: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
        "containerDefinitions": containers or [container()],
        "tags": [{"key": "owner", "value": "payments"}],
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def _no(key: str, **extra: Any) -> dict[str, Any]:
    c = container(**extra)
    c.pop(key)
    return c


SH = {
    "ECS.3": "ecs.task_definition.no_host_pid_mode",
    "ECS.4": "ecs.task_definition.no_privileged_containers",
    "ECS.5": "ecs.task_definition.readonly_root_filesystem",
    "ECS.8": "ecs.task_definition.no_aws_credential_env_keys",
    "ECS.9": "ecs.task_definition.logging_configured",
    "ECS.15": "ecs.task_definition.tagged",
    "ECS.17": "ecs.task_definition.no_host_network_mode",
    "ECS.18": "ecs.task_definition.efs_transit_encryption",
    "ECS.20": "ecs.task_definition.linux_non_root_user",
    "ECS.21": "ecs.task_definition.windows_non_admin_user",
}
WINDOWS = {"operatingSystemFamily": "WINDOWS_SERVER_2019_CORE", "cpuArchitecture": "X86_64"}
EFS_OK = {
    "fileSystemId": "fs-1",
    "transitEncryption": "ENABLED",
    "authorizationConfig": {"iam": "ENABLED"},
}

# name -> (request, {check short name or SH id: expected failing path or True})
VARIANTS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "clean": (td("clean"), {}),
    "privileged-second": (
        td("privileged-second", [container(), container("sidecar", privileged=True)]),
        {"ECS.4": "containerDefinitions[1].privileged"},
    ),
    "privileged-false": (td("privileged-false", [container(privileged=False)]), {}),
    "user-unset-no-platform": (
        td("user-unset-no-platform", [_no("user")], runtimePlatform=None),
        {"ECS.20": "containerDefinitions[0].user", "ECS.21": "containerDefinitions[0].user"},
    ),
    "user-zero": (
        td("user-zero", [container(user="0")]),
        {"ECS.20": "containerDefinitions[0].user"},
    ),
    "user-zero-gid": (td("user-zero-gid", [container(user="0:1000")]), {"ECS.20": True}),
    "user-root-group": (td("user-root-group", [container(user="root:wheel")]), {"ECS.20": True}),
    "user-root": (td("user-root", [container(user="root")]), {"ECS.20": True}),
    "user-gid-zero-only": (td("user-gid-zero-only", [container(user="1000:0")]), {}),
    "user-rootless-name": (td("user-rootless-name", [container(user="rootless")]), {}),
    "user-set-no-platform": (
        td("user-set-no-platform", [container(user="1000")], runtimePlatform=None),
        {},
    ),
    "windows-admin": (
        td(
            "windows-admin",
            [_no("readonlyRootFilesystem", user="ContainerAdministrator")],
            runtimePlatform=WINDOWS,
        ),
        {"ECS.21": "containerDefinitions[0].user"},
    ),
    "windows-user": (
        td(
            "windows-user",
            [_no("readonlyRootFilesystem", user="ContainerUser")],
            runtimePlatform=WINDOWS,
        ),
        {},
    ),
    "host-network-root": (
        td(
            "host-network-root",
            [container(user="root")],
            networkMode="host",
            requiresCompatibilities=["EC2"],
        ),
        {"ECS.17": "networkMode", "ECS.20": True, "ECS.1": True},
    ),
    "host-network-privileged-root": (
        td(
            "host-network-privileged-root",
            [container(user="root", privileged=True)],
            networkMode="host",
            requiresCompatibilities=["EC2"],
        ),
        {"ECS.17": True, "ECS.20": True, "ECS.4": True},
    ),
    "host-network-nonroot": (
        td("host-network-nonroot", networkMode="host", requiresCompatibilities=["EC2"]),
        {"ECS.17": True},
    ),
    "pid-host": (
        td("pid-host", pidMode="host", requiresCompatibilities=["EC2"]),
        {"ECS.3": "pidMode"},
    ),
    "pid-task": (td("pid-task", pidMode="task", requiresCompatibilities=["EC2"]), {}),
    "ipc-host": (
        td("ipc-host", ipcMode="host", requiresCompatibilities=["EC2"]),
        {"no_host_ipc_mode": "ipcMode"},
    ),
    "readonly-absent": (
        td("readonly-absent", [_no("readonlyRootFilesystem")]),
        {"ECS.5": "containerDefinitions[0].readonlyRootFilesystem"},
    ),
    "readonly-false-second": (
        td("readonly-false-second", [container(), container("b", readonlyRootFilesystem=False)]),
        {"ECS.5": "containerDefinitions[1].readonlyRootFilesystem"},
    ),
    "env-aws-key": (
        td(
            "env-aws-key",
            [
                container(
                    environment=[{"name": "AWS_ACCESS_KEY_ID", "value": "AKIAIOSFODNN7EXAMPLE"}]
                )
            ],
        ),
        {"ECS.8": "containerDefinitions[0].environment[0].name", "no_environment_secrets": True},
    ),
    "env-engine-auth": (
        td(
            "env-engine-auth",
            [container(environment=[{"name": "ECS_ENGINE_AUTH_DATA", "value": "{}"}])],
        ),
        {"ECS.8": True},
    ),
    "env-password-name": (
        td(
            "env-password-name",
            [
                container(
                    environment=[
                        {"name": "LOG_LEVEL", "value": "info"},
                        {"name": "DB_PASSWORD", "value": "hunter2"},
                    ]
                )
            ],
        ),
        {"no_environment_secrets": "containerDefinitions[0].environment[1].value"},
    ),
    "env-key-in-value": (
        td(
            "env-key-in-value",
            [container(environment=[{"name": "BOOT", "value": "key=AKIAIOSFODNN7EXAMPLE"}])],
        ),
        {"no_environment_secrets": True},
    ),
    "env-url-password": (
        td(
            "env-url-password",
            [
                container(
                    environment=[
                        {
                            "name": "DATABASE",
                            "value": "postgres://app:pa55word@db.internal:5432/app",
                        }
                    ]
                )
            ],
        ),
        {"no_environment_secrets": True},
    ),
    "env-benign": (
        td(
            "env-benign",
            [
                container(
                    environment=[
                        {"name": "MYSQL_ALLOW_EMPTY_PASSWORD", "value": "yes"},
                        {"name": "PASSWORD_FILE", "value": "/run/secrets/db"},
                        {"name": "TOKEN_TTL", "value": "3600"},
                        {
                            "name": "SECRET_ARN",
                            "value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
                        },
                    ]
                )
            ],
        ),
        {},
    ),
    "no-logging-second": (
        td("no-logging-second", [container(), _no("logConfiguration", name="b")]),
        {"ECS.9": "containerDefinitions[1].logConfiguration.logDriver", "log_driver_mode": False},
    ),
    "efs-second-volume-plain": (
        td(
            "efs-second-volume-plain",
            volumes=[
                {"name": "a", "efsVolumeConfiguration": EFS_OK},
                {
                    "name": "b",
                    "efsVolumeConfiguration": {
                        "fileSystemId": "fs-2",
                        "transitEncryption": "DISABLED",
                    },
                },
            ],
        ),
        {
            "ECS.18": "volumes[1].efsVolumeConfiguration.transitEncryption",
            "efs_iam_authorization": True,
        },
    ),
    "efs-tls-unset": (
        td(
            "efs-tls-unset",
            volumes=[{"name": "a", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}],
        ),
        {"ECS.18": True, "efs_iam_authorization": True},
    ),
    "efs-ok": (td("efs-ok", volumes=[{"name": "a", "efsVolumeConfiguration": EFS_OK}]), {}),
    "untagged": (td("untagged", tags=None), {"ECS.15": "tags"}),
    "docker-sock": (
        td(
            "docker-sock",
            [
                container(
                    mountPoints=[
                        {
                            "sourceVolume": "sock",
                            "containerPath": "/var/run/docker.sock",
                            "readOnly": True,
                        }
                    ]
                )
            ],
            volumes=[{"name": "sock", "host": {"sourcePath": "/var/run/docker.sock"}}],
            requiresCompatibilities=["EC2"],
        ),
        {"no_sensitive_host_mounts": "containerDefinitions[0].mountPoints[0]"},
    ),
    "host-etc": (
        td(
            "host-etc",
            [container(mountPoints=[{"sourceVolume": "etc", "containerPath": "/host/etc"}])],
            volumes=[{"name": "etc", "host": {"sourcePath": "/etc/"}}],
            requiresCompatibilities=["EC2"],
        ),
        {"no_sensitive_host_mounts": True},
    ),
    "host-data-ok": (
        td(
            "host-data-ok",
            [container(mountPoints=[{"sourceVolume": "d", "containerPath": "/data"}])],
            volumes=[{"name": "d", "host": {"sourcePath": "/mnt/data"}}],
            requiresCompatibilities=["EC2"],
        ),
        {},
    ),
    "cap-sys-admin": (
        td(
            "cap-sys-admin",
            [
                container(
                    linuxParameters={"capabilities": {"add": ["CAP_SYS_ADMIN"], "drop": ["ALL"]}}
                )
            ],
            requiresCompatibilities=["EC2"],
        ),
        {"no_dangerous_capabilities": "containerDefinitions[0].linuxParameters.capabilities.add"},
    ),
    "cap-no-drop": (td("cap-no-drop", [_no("linuxParameters")]), {"capabilities_dropped": True}),
    "devices": (
        td(
            "devices",
            [
                container(
                    linuxParameters={
                        "capabilities": {"drop": ["ALL"]},
                        "devices": [{"hostPath": "/dev/mem"}],
                    }
                )
            ],
            requiresCompatibilities=["EC2"],
        ),
        {"no_host_devices": True},
    ),
    "seccomp-off": (
        td(
            "seccomp-off",
            [container(dockerSecurityOptions=["seccomp:unconfined"])],
            requiresCompatibilities=["EC2"],
        ),
        {"secure_docker_security_options": True},
    ),
    "secret-in-command": (
        td(
            "secret-in-command",
            [container(command=["/app", "--db-password=Sup3rS3cret!", "--port", "80"])],
        ),
        {"no_secrets_in_command_or_options": "containerDefinitions[0].command[1]"},
    ),
    "secret-in-log-option": (
        td(
            "secret-in-log-option",
            [
                container(
                    logConfiguration={
                        "logDriver": "splunk",
                        "options": {
                            "splunk-url": "https://splunk.example.com:8088",
                            "splunk-token": "00000000-1111-2222-3333-444444444444",
                            "mode": "non-blocking",
                        },
                    }
                )
            ],
        ),
        {
            "no_secrets_in_command_or_options": "containerDefinitions[0].logConfiguration.options.splunk-token"
        },
    ),
    "command-file-flag-ok": (
        td(
            "command-file-flag-ok",
            [container(command=["/app", "--token-file", "/run/secrets/token", "--password-stdin"])],
        ),
        {},
    ),
    "image-latest": (
        td("image-latest", [container(image="nginx:latest")]),
        {"image_pinned": "containerDefinitions[0].image", "image_registry_allowed": True},
    ),
    "image-other-account": (
        td(
            "image-other-account",
            [container(image="999999999999.dkr.ecr.us-east-1.amazonaws.com/app:1.0")],
        ),
        # only a snapshot knows the scanned account; templates accept any ECR registry
        {"image_registry_allowed@snapshot": True},
    ),
    "log-blocking": (
        td(
            "log-blocking",
            [
                container(
                    logConfiguration={
                        "logDriver": "awslogs",
                        "options": {"awslogs-group": "/ecs/app", "mode": "blocking"},
                    }
                )
            ],
        ),
        {"log_driver_mode": "containerDefinitions[0].logConfiguration.options.mode"},
    ),
    "same-roles": (
        td(
            "same-roles",
            taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/app",
            executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/app",
        ),
        {"distinct_task_and_execution_roles": "taskRoleArn"},
    ),
}


def check_id(key: str) -> str:
    return SH.get(key) or (
        "ecs.task_definition.host_network_user" if key == "ECS.1" else f"ecs.task_definition.{key}"
    )


def requests() -> list[dict[str, Any]]:
    return [copy.deepcopy(req) for req, _ in VARIANTS.values()]
