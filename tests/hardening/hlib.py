"""Helpers for the hardening tests: the ecsguard CLI as a real subprocess, and a small estate
built in the moto server with a unique fake secret planted in every place a secret hides."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecsguard.testing import TEST_CREDENTIALS, boto_session

ECSGUARD = str(Path(sys.executable).parent / "ecsguard")
REGION = "us-east-1"
PARTIAL = 3  # `ecsguard collect` exit code when some calls failed

# One unique fake secret per hiding place, so a leak names where it came from.
CANARIES: dict[str, str] = {
    "env_aws_key": "AKIAECSGUARDCANARY01",
    "env_github": "ghp_" + "CanaryGh7q" * 3 + "Zx91Qw",
    "env_url_password": "CanaryPw_4f1d",
    "env_named_password": "CanaryPw_e7b2",
    "secret_env_value": "CanaryPw_s3cr",
    "command_line": "CanaryPw_9a2c",
    "entrypoint": "CanaryPw_ep41",
    "splunk_token": "CanarySplunk_8e1f0c7a",
    "docker_label": "CanaryLbl_77aa",
    "cfn_secret_string": "CanaryCfn_31c9",
    "cfn_env": "CanaryCfnEnv_52b1",
    "cfn_command": "CanaryPw_cf77",
    "cfn_env_changed": "CanaryCfnEnv_new9",
    "tf_command": "CanaryTok_tf81",
    "tf_secret_string": "CanaryTf_62d0",
    "tf_env": "CanaryTfEnv_90e4",
    "runtime_mysql": "CanaryMy_0b5e",
    "runtime_flag": "CanaryPw_c1d3",
    "ssm_value": "CanarySsm_a7f2",
    "new_revision_env": "CanaryPw_rev2",
}
# The canary container's environment: secrets by value shape, by name, and one plain value.
ENV = {
    "AWS_ACCESS_KEY_ID": CANARIES["env_aws_key"],
    "GIT_CREDS": CANARIES["env_github"],
    "DATABASE_URL": f"postgres://u:{CANARIES['env_url_password']}@db/x",
    "DB_PASSWORD": CANARIES["env_named_password"],
    "API_SECRET": CANARIES["secret_env_value"],
    "LOG_LEVEL": "info",
}


@dataclass
class Result:
    code: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        return (self.stdout + self.stderr).decode("utf-8", "replace")


def cli(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
    timeout: float = 120,
    cwd: Path | None = None,
) -> Result:
    """Run the installed ``ecsguard ARGS`` as a subprocess, as a user would."""
    full_env = {**os.environ, **TEST_CREDENTIALS, "AWS_DEFAULT_REGION": REGION, **(env or {})}
    if "ECSGUARD_FAULTS" not in (env or {}):
        full_env.pop("ECSGUARD_FAULTS", None)
    done = subprocess.run(
        [ECSGUARD, *args],
        input=stdin,
        env=full_env,
        capture_output=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the console-script entry ``ecsguard.cli.main(ARGS)`` in this process, with click's
    stream isolation (fast; same code path as the installed command, error handling included)."""
    from click.testing import CliRunner

    from ecsguard.cli import main

    full_env = {**TEST_CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "ECSGUARD_FAULTS": ""}
    runner = CliRunner()
    with runner.isolation(env={**full_env, **(env or {})}) as streams:
        try:
            returned = main(list(args))  # the console script does sys.exit(main())
            code = returned if isinstance(returned, int) else 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception as exc:  # what a user would see as a traceback
            sys.stderr.write(f"Traceback (most recent call last): {exc!r}\n")
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return Result(code, out, err)


def no_traceback(result: Result) -> None:
    assert b"Traceback (most recent call last)" not in result.stderr, result.stderr[-3000:]


def leaks(blob: bytes | str, canaries: dict[str, str] | None = None) -> list[str]:
    """Names of the canaries found in ``blob``."""
    data = blob.encode("utf-8", "surrogateescape") if isinstance(blob, str) else blob
    return [name for name, value in (canaries or CANARIES).items() if value.encode() in data]


def database_text(path: Path) -> bytes:
    """Every value of every table of a SQLite store, compressed blobs opened, plus the raw
    bytes of the database file and its -wal/-shm companions."""
    import sqlite3
    import zlib

    parts = [p.read_bytes() for p in path.parent.glob(path.name + "*")]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        with contextlib.suppress(zlib.error):
                            value = zlib.decompress(value)
                        parts.append(value)
                    else:
                        parts.append(str(value).encode())
    finally:
        conn.close()
    return b"\n".join(parts)


def _client(url: str, service: str) -> Any:
    return boto_session(url, REGION).client(service, endpoint_url=url)


def _container(name: str, image: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "essential": True,
        "memory": 512,
        "environment": [{"name": k, "value": v} for k, v in ENV.items()],
        "command": ["sh", "-c", f"exec app --password={CANARIES['command_line']} --port 8443"],
        "entryPoint": ["/bin/sh", "-c", f'export MYSQL_PWD={CANARIES["entrypoint"]}; exec "$@"'],
        "dockerLabels": {"com.example.api-key": CANARIES["docker_label"], "team": "payments"},
        "logConfiguration": {
            "logDriver": "splunk",
            "options": {
                "splunk-url": "https://splunk.example.com:8088",
                "splunk-token": CANARIES["splunk_token"],
            },
        },
        "portMappings": [{"containerPort": 8443, "protocol": "tcp"}],
    }


def build_canary_estate(url: str, names: dict[str, str] | None = None) -> dict[str, str]:
    """A small estate (VPC, SG, KMS, logs, IAM, secret, SSM, cluster, task definition,
    service) with the canaries planted; ``names`` overrides the cluster/family/service names.
    Returns the ids that tests refer to."""
    names = {"cluster": "payments", "family": "payment-api", "service": "payment-api"} | (
        names or {}
    )
    ec2, ecs, iam = _client(url, "ec2"), _client(url, "ecs"), _client(url, "iam")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="api", Description="api", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8443,
                "ToPort": 8443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
        ],
    )
    _client(url, "ecr").create_repository(
        repositoryName="api",
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
    )
    key = _client(url, "kms").create_key(Description="logs")["KeyMetadata"]["Arn"]
    logs = _client(url, "logs")
    logs.create_log_group(logGroupName="/ecs/payment-api", kmsKeyId=key)
    logs.put_retention_policy(logGroupName="/ecs/payment-api", retentionInDays=365)
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                }
            ],
        }
    )
    role = iam.create_role(RoleName="payment-api-task", AssumeRolePolicyDocument=trust)
    secret = _client(url, "secretsmanager").create_secret(
        Name="payments/db", SecretString="CanaryLive_unused", KmsKeyId=key
    )["ARN"]
    ssm = _client(url, "ssm")
    ssm.put_parameter(Name="/payments/api-key", Value=CANARIES["ssm_value"], Type="SecureString")
    param = ssm.get_parameter(Name="/payments/api-key")["Parameter"]["ARN"]
    ecs.create_cluster(clusterName=names["cluster"], tags=[{"key": "env", "value": "prod"}])
    container = _container(names["family"], "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1")
    container["secrets"] = [
        {"name": "DB_SECRET", "valueFrom": secret},
        {"name": "PARTNER_API_KEY", "valueFrom": param},
    ]
    td = ecs.register_task_definition(
        family=names["family"],
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        taskRoleArn=role["Role"]["Arn"],
        executionRoleArn=role["Role"]["Arn"],
        containerDefinitions=[container],
        tags=[{"key": "owner", "value": "payments"}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=names["cluster"],
        serviceName=names["service"],
        taskDefinition=td,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [subnet],
                "securityGroups": [sg],
                "assignPublicIp": "DISABLED",
            }
        },
        tags=[{"key": "pci:chd", "value": "process"}],
    )
    return {"vpc": vpc, "subnet": subnet, "sg": sg, "key": key, "td": td, "secret": secret}


def collect(url: str, out: Path, faults: str = "", *extra: str) -> Result:
    return invoke(
        "collect",
        "--endpoint-url",
        url,
        "--regions",
        REGION,
        "-o",
        str(out),
        *extra,
        env={"ECSGUARD_FAULTS": faults},
    )
