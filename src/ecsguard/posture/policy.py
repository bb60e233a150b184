"""Policy parameters of the checks (``[policy]`` in ecsguard.toml), with their defaults."""

from __future__ import annotations

import msgspec

# Security Hub ELB.17's accepted policies (TLS 1.2/1.3, FIPS and post-quantum variants).
DEFAULT_TLS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
)
DEFAULT_CAPABILITIES = (
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "NET_ADMIN",
    "NET_RAW",
    "DAC_READ_SEARCH",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "BPF",
    "PERFMON",
)
DEFAULT_HOST_PATHS = (
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/root",
    "/dev",
    "/boot",
    "/var/lib/docker",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd",
    "/run/containerd",
    "/var/lib/ecs",
    "/etc/ecs",
)


class Policy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    fargate_linux_version: str = "1.4.0"
    fargate_windows_version: str = "1.0.0"
    log_retention_days: int = 365
    log_retention_never_expire_ok: bool = True
    log_mode: str = "non-blocking"  # non-blocking | blocking | any
    required_tags: tuple[str, ...] = ()
    allowed_registries: tuple[str, ...] = ()  # fnmatch patterns; empty = ECR of the account
    secret_allow: tuple[str, ...] = ()  # values (or fnmatch patterns) known not to be secrets
    secret_allow_names: tuple[str, ...] = ()  # variable names (fnmatch) never judged by value
    dangerous_capabilities: tuple[str, ...] = DEFAULT_CAPABILITIES
    sensitive_host_paths: tuple[str, ...] = DEFAULT_HOST_PATHS
    tls_policies: tuple[str, ...] = DEFAULT_TLS_POLICIES
    min_agent_version: str = ""
    require_fips: bool = False
