"""Live collector: reads an AWS account with boto3 into an ecsguard snapshot (DESIGN §3.2).

Work fans out over (region, service) jobs on a thread pool; each job gets its own client
(adaptive retries, per-client hooks) and writes one section. Every call that fails lands in
``errors`` and the run goes on, so a snapshot is always written and says what is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from ecsguard import __version__
from ecsguard.collect.aws_calls import Caller, ErrorLog
from ecsguard.collect.aws_data import (
    collect_iam,
    collect_rds,
    collect_s3,
    collect_secretsmanager,
    collect_servicediscovery,
    collect_sqs,
    collect_ssm,
)
from ecsguard.collect.aws_ec2 import collect_ec2
from ecsguard.collect.aws_ecs import collect_ecs
from ecsguard.collect.aws_faults import Fault, install_faults, install_no_retry_on_missing_operation
from ecsguard.collect.aws_platform import (
    collect_ecr,
    collect_efs,
    collect_elbv2,
    collect_events,
    collect_guardduty,
    collect_kms,
    collect_logs,
)
from ecsguard.errors import UsageError

SNAPSHOT_VERSION = 1

# The keys of every section, so a section that could not be read is present and empty.
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "ecs": (
        "clusters",
        "services",
        "taskDefinitions",
        "tasks",
        "containerInstances",
        "capacityProviders",
        "accountSettings",
    ),
    "ec2": (
        "vpcs",
        "subnets",
        "securityGroups",
        "securityGroupRules",
        "routeTables",
        "networkAcls",
        "networkInterfaces",
        "instances",
        "vpcPeeringConnections",
        "vpcEndpoints",
        "managedPrefixLists",
        "volumes",
        "ebsEncryptionByDefault",
    ),
    "elbv2": ("loadBalancers", "listeners", "targetGroups"),
    "efs": ("fileSystems", "accessPoints", "mountTargets"),
    "ecr": ("repositories",),
    "logs": ("logGroups",),
    "kms": ("keys",),
    "events": ("rules",),
    "guardduty": ("detectors",),
    "iam": ("roles",),
    "servicediscovery": ("namespaces", "services"),
    "secretsmanager": ("secrets",),
    "ssm": ("parameters",),
    "rds": ("dbInstances",),
    "sqs": ("queues",),
    "s3": ("buckets",),
}


@dataclass(frozen=True)
class CollectOptions:
    """What to read and how. ``regions=None`` means every region enabled for the account."""

    regions: tuple[str, ...] | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    all_revisions: bool = False
    max_attempts: int = 8
    workers: int = 8
    per_resource_workers: int = 8
    read_timeout: float = 60.0
    faults: tuple[Fault, ...] = ()
    # Told (service, operation) before every call; for audits of what a run touches.
    on_call: Callable[[str, str], None] | None = None


Section = Callable[[Caller, CollectOptions], dict[str, Any]]

# Explicit registries: regional services run once per region, global ones once per account.
REGIONAL: dict[str, Section] = {
    "ecs": lambda caller, opts: collect_ecs(caller, opts.all_revisions),
    "ec2": lambda caller, _: collect_ec2(caller),
    "elbv2": lambda caller, _: collect_elbv2(caller),
    "efs": lambda caller, _: collect_efs(caller),
    "ecr": lambda caller, _: collect_ecr(caller),
    "logs": lambda caller, _: collect_logs(caller),
    "kms": lambda caller, _: collect_kms(caller),
    "events": lambda caller, _: collect_events(caller),
    "guardduty": lambda caller, _: collect_guardduty(caller),
    "servicediscovery": lambda caller, _: collect_servicediscovery(caller),
    "secretsmanager": lambda caller, _: collect_secretsmanager(caller),
    "ssm": lambda caller, _: collect_ssm(caller),
    "rds": lambda caller, _: collect_rds(caller),
    "sqs": lambda caller, _: collect_sqs(caller),
}
GLOBAL: dict[str, Section] = {
    "iam": lambda caller, _: collect_iam(caller),
    "s3": lambda caller, _: collect_s3(caller),
}


class Progress(Protocol):
    """Told how many jobs there are, then of each finished (region, service) job."""

    def planned(self, jobs: int) -> None: ...

    def done(self, region: str, service: str) -> None: ...


@dataclass
class Clients:
    """Makes configured clients; boto3 sessions are not thread-safe, clients are."""

    options: CollectOptions
    log: ErrorLog = field(default_factory=ErrorLog)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _session: boto3.Session | None = None

    def __post_init__(self) -> None:
        try:
            self._session = boto3.Session(profile_name=self.options.profile)
        except ProfileNotFound as exc:
            raise UsageError(f"--profile: {exc}") from exc

    @property
    def home_region(self) -> str:
        assert self._session is not None
        return self._session.region_name or "us-east-1"

    def caller(self, service: str, region: str) -> Caller:
        config = Config(
            retries={"mode": "adaptive", "total_max_attempts": self.options.max_attempts},
            connect_timeout=10,
            read_timeout=self.options.read_timeout,
            max_pool_connections=12,
            user_agent_extra=f"ecsguard/{__version__}",
        )
        assert self._session is not None
        with self._lock:
            client = self._session.client(
                service, region_name=region, endpoint_url=self.options.endpoint_url, config=config
            )
        install_no_retry_on_missing_operation(client)
        if self.options.on_call is not None:
            observe = self.options.on_call

            def before_call(model: Any, **_: Any) -> None:
                observe(service, model.name)

            client.meta.events.register("before-call", before_call)
        install_faults(client, region, service, self.options.faults)
        caller = Caller(client, region, service, self.log, self.options.per_resource_workers)
        caller.sibling = lambda other: self.caller(other, region)
        return caller


def collect(options: CollectOptions, progress: Progress | None = None) -> dict[str, Any]:
    """Read the account and return the snapshot as a dict (never raises for AWS errors)."""
    clients = Clients(options)
    home = clients.home_region
    account_id, partition = _identity(clients.caller("sts", home))
    regions = list(options.regions or _enabled_regions(clients.caller("ec2", home)) or [home])
    global_region = home if home in regions else regions[0]
    jobs = [(r, s) for r in regions for s in REGIONAL] + [(global_region, s) for s in GLOBAL]
    if progress:
        progress.planned(len(jobs))
    results = _run_jobs(clients, jobs, progress)
    return {
        "ecsguard_snapshot": SNAPSHOT_VERSION,
        "collected_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "account_id": account_id,
        "partition": partition,
        "revision_policy": "all" if options.all_revisions else "latest+referenced",
        "regions": _assemble(regions, global_region, results),
        "errors": list(clients.log.entries),
    }


# GetCallerIdentity needs no permission, so these failures mean no call can succeed.
_UNUSABLE = (
    "InvalidClientTokenId",
    "ExpiredToken",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "connection failed",
)


def _identity(caller: Caller) -> tuple[str, str]:
    reply = caller.call("GetCallerIdentity", expect="Account")
    if reply is None:
        # Every later call would fail the same way: say so once instead of 300 times.
        message = caller.log.entries[-1]["message"] if caller.log.entries else ""
        if message.startswith("NoCredentials"):
            raise UsageError(
                "no AWS credentials found: use --profile, AWS_PROFILE or AWS_ACCESS_KEY_ID"
            )
        if message.startswith(_UNUSABLE):
            raise UsageError(f"cannot use these credentials or this endpoint: {message}")
        return "", "aws"
    arn = str(reply.get("Arn", "arn:aws:"))
    return str(reply["Account"]), arn.split(":")[1] if arn.count(":") >= 2 else "aws"


def _enabled_regions(caller: Caller) -> list[str]:
    reply = caller.call("DescribeRegions", expect="Regions", AllRegions=False)
    return sorted(r["RegionName"] for r in (reply or {}).get("Regions", []))


def _run_jobs(
    clients: Clients, jobs: list[tuple[str, str]], progress: Progress | None
) -> dict[tuple[str, str], dict[str, Any]]:
    results: dict[tuple[str, str], dict[str, Any]] = {}
    with ThreadPoolExecutor(max_workers=max(1, clients.options.workers)) as pool:
        futures = {
            pool.submit(_run_job, clients, region, svc, progress): (region, svc)
            for region, svc in jobs
        }
        for future in as_completed(futures):
            results[futures[future]] = future.result()
    return results


def _run_job(
    clients: Clients, region: str, service: str, progress: Progress | None
) -> dict[str, Any]:
    section = REGIONAL.get(service) or GLOBAL[service]
    try:
        caller = clients.caller(service, region)
        result = section(caller, clients.options)
    except Exception as exc:
        # Nothing may sink the run (an unexpected reply shape, a bug): the section is
        # recorded as unread and the other jobs go on.
        clients.log.add(region, service, "*", "*", f"collector error: {type(exc).__name__}: {exc}")
        result = {}
    if progress:
        progress.done(region, service)
    return result


def _assemble(
    regions: list[str], global_region: str, results: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for region in regions:
        out[region] = {
            svc: {key: [] for key in keys} | results.get((region, svc), {})
            for svc, keys in SECTION_KEYS.items()
        }
    # S3 is global: file each bucket under its own region when that region was collected.
    buckets = out[global_region]["s3"]["buckets"]
    out[global_region]["s3"]["buckets"] = []
    for bucket in buckets:
        home = bucket.get("BucketRegion")
        out[home if home in out else global_region]["s3"]["buckets"].append(bucket)
    return out


def count_resources(snapshot: dict[str, Any]) -> int:
    """Items in every list of every section: the summary's resource count."""
    return sum(
        len(items)
        for region in snapshot.get("regions", {}).values()
        for section in region.values()
        for items in section.values()
        if isinstance(items, list)
    )
