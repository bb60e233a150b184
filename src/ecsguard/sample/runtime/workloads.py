"""Benign behaviour of the sample estate's ECS workloads, as OCSF event builders.

Each task has a host, container, pid space and a small repertoire: its main process reading
config and libraries, writing logs, talking to its data stores and AWS endpoints, resolving
names, health checks run by the container runtime, and per-workload jobs (batch runs, CI builds).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ACCOUNT", "REGION", "WORKLOADS", "Task", "Workload", "make_tasks"]

ACCOUNT = "123456789012"
REGION = "us-east-1"
_ECR = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"

Proc = tuple[str, str, str]  # name, exe path, command line


@dataclass(frozen=True)
class Workload:
    cluster: str
    service: str
    image: str
    tag: str
    main: Proc
    ports: tuple[int, ...]
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    peers: tuple[tuple[str, int, str], ...]  # ip, port, hostname
    children: tuple[Proc, ...] = ()
    health: str = "curl -fsS http://localhost:{port}/health"
    uid: int = 10001


_AWS = (
    ("52.94.133.131", 443, "sqs.us-east-1.amazonaws.com"),
    ("52.216.20.139", 443, "s3.us-east-1.amazonaws.com"),
    ("3.227.250.226", 443, "secretsmanager.us-east-1.amazonaws.com"),
    ("54.239.28.85", 443, "kms.us-east-1.amazonaws.com"),
    ("52.46.145.182", 443, "logs.us-east-1.amazonaws.com"),
    ("169.254.170.2", 80, ""),
)
_JVM_READS = (
    "/usr/lib/jvm/java-17-openjdk/lib/modules",
    "/usr/lib/jvm/java-17-openjdk/lib/server/libjvm.so",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/nsswitch.conf",
    "/proc/self/stat",
    "/proc/self/status",
    "/sys/fs/cgroup/cpu.max",
    "/sys/fs/cgroup/memory.max",
    "/etc/ssl/certs/ca-certificates.crt",
    "/usr/lib/jvm/java-17-openjdk/conf/security/java.security",
    "/etc/localtime",
    "/proc/meminfo",
)
_PY_READS = (
    "/usr/local/lib/python3.12/site-packages/boto3/session.py",
    "/usr/local/lib/python3.12/json/decoder.py",
    "/usr/local/lib/python3.12/site-packages/botocore/data/sqs/2012-11-05/service-2.json",
    "/usr/local/lib/python3.12/lib-dynload/_ssl.cpython-312-x86_64-linux-gnu.so",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/ssl/certs/ca-certificates.crt",
    "/proc/self/status",
    "/etc/localtime",
)
_NODE_READS = (
    "/app/node_modules/express/lib/router/index.js",
    "/app/node_modules/pg/lib/client.js",
    "/app/dist/server.js",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/ssl/certs/ca-certificates.crt",
    "/proc/self/stat",
    "/app/package.json",
)

WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "payments",
        "payment-api",
        f"{_ECR}/payment-api",
        "1.42.0",
        (
            "java",
            "/usr/lib/jvm/java-17-openjdk/bin/java",
            "java -XX:MaxRAMPercentage=75 -jar /app/payment-api.jar",
        ),
        (8443,),
        (*_JVM_READS, "/app/payment-api.jar", "/app/config/application.yml"),
        ("/app/logs/payment-api.log", "/tmp/tomcat.8443/work/session.ser"),
        (
            ("10.0.21.14", 5432, "payments-db.cluster-c9xk2.us-east-1.rds.amazonaws.com"),
            ("10.0.22.31", 9000, "tokenizer.payments.local"),
            ("10.0.23.7", 6379, "payments-cache.abc123.use1.cache.amazonaws.com"),
            ("54.187.174.169", 443, "api.stripe.com"),
            *_AWS,
        ),
    ),
    Workload(
        "payments",
        "tokenizer",
        f"{_ECR}/tokenizer",
        "3.1.4",
        (
            "tokenizer",
            "/usr/local/bin/tokenizer",
            "/usr/local/bin/tokenizer --listen :9000 --kms-key alias/tokenizer",
        ),
        (9000,),
        (
            "/etc/tokenizer/config.yaml",
            "/etc/hosts",
            "/etc/resolv.conf",
            "/etc/ssl/certs/ca-certificates.crt",
            "/proc/self/cgroup",
            "/sys/fs/cgroup/cpu.max",
        ),
        ("/var/lib/tokenizer/vault.db", "/var/lib/tokenizer/vault.db-wal"),
        (("10.0.21.15", 5432, "vault-db.cluster-c9xk2.us-east-1.rds.amazonaws.com"), *_AWS),
        health="/bin/health",
    ),
    Workload(
        "payments",
        "card-batch",
        f"{_ECR}/card-batch",
        "2024.11.3",
        ("python3", "/usr/local/bin/python3", "python3 -m cardbatch.worker --queue settlements"),
        (),
        (
            *_PY_READS,
            "/app/cardbatch/worker.py",
            "/app/cardbatch/settle.py",
            "/data/in/settlement.csv",
        ),
        ("/data/out/settlement-report.csv", "/tmp/cardbatch-lock", "/app/logs/batch.log"),
        (
            ("10.0.21.14", 5432, "payments-db.cluster-c9xk2.us-east-1.rds.amazonaws.com"),
            ("203.0.113.200", 22, "sftp.acquirer-bank.example"),
            *_AWS,
        ),
        children=(
            ("gzip", "/bin/gzip", "gzip -9 /data/out/settlement-report.csv"),
            (
                "aws",
                "/usr/local/bin/aws",
                "aws s3 cp /data/out/settlement-report.csv.gz s3://settlement-reports/",
            ),
            ("sh", "/bin/sh", "sh -c python3 -m cardbatch.reconcile --date today"),
        ),
        health="python3 -c import cardbatch; print('ok')",
    ),
    Workload(
        "storefront",
        "web",
        "public.ecr.aws/nginx/nginx",
        "1.27",
        ("nginx", "/usr/sbin/nginx", "nginx: worker process"),
        (80, 443),
        (
            "/etc/nginx/nginx.conf",
            "/usr/share/nginx/html/index.html",
            "/usr/share/nginx/html/assets/app.js",
            "/usr/share/nginx/html/assets/app.css",
            "/etc/hosts",
            "/etc/resolv.conf",
            "/usr/share/nginx/html/favicon.ico",
        ),
        (
            "/var/log/nginx/access.log",
            "/var/log/nginx/error.log",
            "/var/cache/nginx/proxy_temp/1/00/0000000001",
        ),
        (
            ("10.0.11.20", 3000, "cart.storefront.local"),
            ("10.0.11.21", 8000, "catalog.storefront.local"),
        ),
        health="curl -fsS http://localhost/healthz",
        uid=101,
    ),
    Workload(
        "storefront",
        "cart",
        f"{_ECR}/cart",
        "5.0.2",
        ("node", "/usr/local/bin/node", "node /app/dist/server.js"),
        (3000,),
        _NODE_READS,
        ("/tmp/cart-sessions/sess_a1b2", "/app/logs/cart.log"),
        (
            ("10.0.12.40", 6379, "cart-redis.xyz789.use1.cache.amazonaws.com"),
            ("10.0.22.31", 9000, "tokenizer.payments.local"),
            *_AWS,
        ),
        health="node /app/healthcheck.js",
    ),
    Workload(
        "storefront",
        "catalog",
        f"{_ECR}/catalog",
        "1.9.0",
        (
            "gunicorn",
            "/usr/local/bin/python3",
            "/usr/local/bin/python3 /usr/local/bin/gunicorn catalog.wsgi -w 4 -b 0.0.0.0:8000",
        ),
        (8000,),
        (*_PY_READS, "/app/catalog/views.py", "/app/catalog/templates/product.html"),
        ("/tmp/catalog-cache/products.json", "/app/logs/catalog.log"),
        (
            ("10.0.13.50", 5432, "catalog-db.cluster-c9xk2.us-east-1.rds.amazonaws.com"),
            ("151.101.1.69", 443, "images.cdn-provider.example"),
            *_AWS,
        ),
    ),
    Workload(
        "platform",
        "log-shipper",
        "public.ecr.aws/aws-observability/aws-for-fluent-bit",
        "2.32.2",
        (
            "fluent-bit",
            "/fluent-bit/bin/fluent-bit",
            "/fluent-bit/bin/fluent-bit -c /fluent-bit/etc/fluent-bit.conf",
        ),
        (2020, 24224),
        (
            "/fluent-bit/etc/fluent-bit.conf",
            "/fluent-bit/etc/parsers.conf",
            "/var/log/containers/app.log",
            "/etc/hosts",
            "/etc/resolv.conf",
            "/proc/self/stat",
        ),
        ("/fluent-bit/db/tail.db", "/fluent-bit/db/tail.db-journal"),
        (
            ("52.46.145.182", 443, "logs.us-east-1.amazonaws.com"),
            ("52.119.168.48", 443, "firehose.us-east-1.amazonaws.com"),
            *_AWS,
        ),
        health="curl -fsS http://127.0.0.1:2020/api/v1/health",
        uid=0,
    ),
    Workload(
        "platform",
        "ci-runner",
        "public.ecr.aws/gitlab/gitlab-runner",
        "v17.5.0",
        (
            "gitlab-runner",
            "/usr/bin/gitlab-runner",
            "gitlab-runner run --working-directory /builds",
        ),
        (9252,),
        (
            "/etc/gitlab-runner/config.toml",
            "/builds/shop/cart/package.json",
            "/builds/shop/cart/src/index.ts",
            "/usr/lib/go/pkg/tool/linux_amd64/compile",
            "/root/.cache/go-build/3f/3f2a",
            "/etc/hosts",
            "/etc/resolv.conf",
        ),
        (
            "/builds/shop/cart/dist/server.js",
            "/builds/shop/tokenizer/bin/tokenizer",
            "/tmp/go-build123/b001/exe/main",
            "/root/.cache/go-build/ab/ab12-d",
            "/builds/shop/cart/node_modules/.package-lock.json",
        ),
        (
            ("140.82.112.4", 443, "github.com"),
            ("104.16.26.35", 443, "registry.npmjs.org"),
            ("34.107.204.206", 443, "proxy.golang.org"),
            ("10.0.31.5", 443, "gitlab.internal.example"),
            *_AWS,
        ),
        children=(
            ("bash", "/bin/bash", "bash --login -c cd /builds/shop/cart && npm ci && npm test"),
            (
                "git",
                "/usr/bin/git",
                "git fetch origin +refs/heads/main:refs/remotes/origin/main --depth 50",
            ),
            ("npm", "/usr/local/bin/npm", "npm ci --no-audit"),
            (
                "go",
                "/usr/local/go/bin/go",
                "go build -o /builds/shop/tokenizer/bin/tokenizer ./cmd/tokenizer",
            ),
            ("make", "/usr/bin/make", "make test"),
            ("aws", "/usr/local/bin/aws", "aws ecr get-login-password --region us-east-1"),
            ("sh", "/bin/sh", "sh -c docker-credential-ecr-login list"),
            ("tar", "/bin/tar", "tar -czf /builds/artifacts.tgz dist"),
        ),
        health="gitlab-runner verify",
        uid=0,
    ),
)


@dataclass
class Task:
    workload: Workload
    task_arn: str
    container_id: str
    host: str
    next_pid: int
    main_pid: int
    time_ms: int = 0
    seq: int = field(default=0)

    def ecs(self) -> dict[str, Any]:
        w = self.workload
        return {
            "cluster": w.cluster,
            "task_arn": self.task_arn,
            "family": w.service,
            "revision": 7,
            "container_name": w.service,
        }

    def container(self) -> dict[str, Any]:
        w = self.workload
        return {
            "uid": self.container_id,
            "name": w.service,
            "image": {"name": w.image, "tag": w.tag},
        }


def make_tasks(rng: random.Random, per_service: int = 2) -> list[Task]:
    tasks = []
    for w in WORKLOADS:
        for _ in range(per_service):
            tid = f"{rng.getrandbits(128):032x}"
            host = f"ip-10-0-{rng.randint(1, 60)}-{rng.randint(2, 250)}.ec2.internal"
            tasks.append(
                Task(
                    w,
                    f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{w.cluster}/{tid}",
                    f"{rng.getrandbits(256):064x}",
                    host,
                    next_pid=200,
                    main_pid=7,
                )
            )
    return tasks
