"""Task-definition predicates (metadata in task_definition.yaml).

Isolation checks live here; secrets, logging, storage, roles and images in ``_td_data``.
"""

from __future__ import annotations

from ecsguard.model.ecs import ContainerDefinition, TaskDefinition
from ecsguard.posture.checks import _td_data
from ecsguard.posture.checks._td import field_unknown, is_root_user, os_family, per_container
from ecsguard.posture.context import Context
from ecsguard.posture.outcome import Outcomes, fail, passed, undetermined
from ecsguard.posture.registry import Predicate


def no_privileged_containers(td: TaskDefinition, ctx: Context) -> Outcomes:
    return per_container(
        td, "privileged", lambda c: (True, "runs privileged") if c.privileged is True else None
    )


def linux_non_root_user(td: TaskDefinition, ctx: Context) -> Outcomes:
    if os_family(td) == "windows":
        return None
    return per_container(td, "user", _root_verdict)


def _root_verdict(c: ContainerDefinition) -> tuple[str | None, str] | None:
    if not is_root_user(c.user):
        return None
    return (c.user, "user is unset (runs as root)" if c.user is None else "runs as root")


def windows_non_admin_user(td: TaskDefinition, ctx: Context) -> Outcomes:
    family = os_family(td)
    if family == "linux":
        return None
    suffix = (
        "" if family else " (runtimePlatform unset, so judged as Windows too, as Security Hub does)"
    )

    def judge(c: ContainerDefinition) -> tuple[str | None, str] | None:
        if c.user is None or c.user.strip() == "":
            return (c.user, "user is unset" + suffix)
        if c.user.strip().lower() == "containeradministrator":
            return (c.user, "runs as ContainerAdministrator" + suffix)
        return None

    return per_container(td, "user", judge)


def host_network_user(td: TaskDefinition, ctx: Context) -> Outcomes:
    if field_unknown(td, "networkMode"):
        return [undetermined("networkMode")]
    if td.network_mode != "host":
        return [passed("networkMode", td.network_mode)]

    def judge(c: ContainerDefinition) -> tuple[str | None, str] | None:
        if c.privileged is not True and is_root_user(c.user):
            return (c.user, "host network, not privileged, and runs as root")
        return None

    return per_container(td, "user", judge)


def _task_mode(td: TaskDefinition, field: str, value: str | None, bad: str) -> Outcomes:
    if field_unknown(td, field):
        return [undetermined(field)]
    if value == bad:
        return [fail(field, value, f"{field} is {bad}")]
    return [passed(field, value)]


def no_host_network_mode(td: TaskDefinition, ctx: Context) -> Outcomes:
    return _task_mode(td, "networkMode", td.network_mode, "host")


def awsvpc_network_mode(td: TaskDefinition, ctx: Context) -> Outcomes:
    if field_unknown(td, "networkMode"):
        return [undetermined("networkMode")]
    if os_family(td) == "windows" and td.network_mode in (None, "default"):
        return [fail("networkMode", td.network_mode, "Windows task uses the default (NAT) mode")]
    if td.network_mode == "awsvpc":
        return [passed("networkMode", "awsvpc")]
    mode = td.network_mode or "bridge (default)"
    return [fail("networkMode", td.network_mode, f"networkMode is {mode}, not awsvpc")]


def no_host_pid_mode(td: TaskDefinition, ctx: Context) -> Outcomes:
    return _task_mode(td, "pidMode", td.pid_mode, "host")


def no_host_ipc_mode(td: TaskDefinition, ctx: Context) -> Outcomes:
    return _task_mode(td, "ipcMode", td.ipc_mode, "host")


def readonly_root_filesystem(td: TaskDefinition, ctx: Context) -> Outcomes:
    if os_family(td) == "windows":
        return None

    def judge(c: ContainerDefinition) -> tuple[bool | None, str] | None:
        if c.readonly_root_filesystem is True:
            return None
        return (c.readonly_root_filesystem, "root filesystem is writable")

    return per_container(td, "readonlyRootFilesystem", judge)


def no_dangerous_capabilities(td: TaskDefinition, ctx: Context) -> Outcomes:
    dangerous = ctx.policy.dangerous_capabilities

    def judge(c: ContainerDefinition) -> tuple[list[str], str] | None:
        lp = c.linux_parameters
        if lp is None or lp.capabilities is None or not lp.capabilities.add:
            return None
        bad = [cap for cap in lp.capabilities.add if _cap(cap) in dangerous]
        return (bad, f"adds {', '.join(bad)}") if bad else None

    return per_container(td, "linuxParameters.capabilities.add", judge)


def _cap(name: str) -> str:
    upper = name.strip().upper()
    return upper[4:] if upper.startswith("CAP_") else upper


def capabilities_dropped(td: TaskDefinition, ctx: Context) -> Outcomes:
    if os_family(td) == "windows":
        return None

    def judge(c: ContainerDefinition) -> tuple[list[str], str] | None:
        lp = c.linux_parameters
        drop = [_cap(x) for x in lp.capabilities.drop] if lp and lp.capabilities else []
        return None if "ALL" in drop else (drop, "does not drop ALL capabilities")

    return per_container(td, "linuxParameters.capabilities.drop", judge)


def no_sensitive_host_mounts(td: TaskDefinition, ctx: Context) -> Outcomes:
    out = []
    sensitive = ctx.policy.sensitive_host_paths
    host_paths: dict[str, tuple[int, str]] = {}
    for index, vol in enumerate(td.volumes):
        if field_unknown(td, f"volumes[{index}].host.sourcePath"):
            out.append(undetermined(f"volumes[{index}].host.sourcePath"))
            continue
        path = vol.host.source_path if vol.host else None
        if path and vol.name and _is_sensitive(path, sensitive):
            host_paths[vol.name] = (index, path)
    for ci, container in enumerate(td.container_definitions):
        for mi, mount in enumerate(container.mount_points):
            hit = host_paths.get(mount.source_volume or "")
            if hit is None:
                continue
            what = "the Docker socket" if hit[1].endswith("docker.sock") else f"host path {hit[1]}"
            mode = "read-only" if mount.read_only else "read-write"
            out.append(
                fail(
                    f"containerDefinitions[{ci}].mountPoints[{mi}]",
                    hit[1],
                    f"{container.name or ci}: mounts {what} ({mode}) via volumes[{hit[0]}]",
                )
            )
    return out


def _is_sensitive(path: str, sensitive: tuple[str, ...]) -> bool:
    norm = "/" + path.strip().strip("/")
    return any(norm == item or (item != "/" and norm.startswith(item + "/")) for item in sensitive)


def no_host_devices(td: TaskDefinition, ctx: Context) -> Outcomes:
    def judge(c: ContainerDefinition) -> tuple[list[str], str] | None:
        lp = c.linux_parameters
        if lp is None or not lp.devices:
            return None
        paths = [d.host_path for d in lp.devices]
        return (paths, f"maps host devices {', '.join(paths)}")

    return per_container(td, "linuxParameters.devices", judge)


_UNCONFINED = ("seccomp:unconfined", "apparmor:unconfined", "label:disable", "label=disable")


def secure_docker_security_options(td: TaskDefinition, ctx: Context) -> Outcomes:
    def judge(c: ContainerDefinition) -> tuple[list[str], str] | None:
        bad = [o for o in c.docker_security_options if o.strip().lower() in _UNCONFINED]
        return (bad, f"disables confinement: {', '.join(bad)}") if bad else None

    return per_container(td, "dockerSecurityOptions", judge)


def no_system_controls(td: TaskDefinition, ctx: Context) -> Outcomes:
    def judge(c: ContainerDefinition) -> tuple[list[str], str] | None:
        if not c.system_controls:
            return None
        names = [s.namespace or "" for s in c.system_controls]
        note = " with host networking (changes the host)" if td.network_mode == "host" else ""
        return (names, f"sets kernel parameters {', '.join(names)}{note}")

    return per_container(td, "systemControls", judge)


CHECKS: dict[str, Predicate] = {
    "no_privileged_containers": no_privileged_containers,
    "linux_non_root_user": linux_non_root_user,
    "windows_non_admin_user": windows_non_admin_user,
    "host_network_user": host_network_user,
    "no_host_network_mode": no_host_network_mode,
    "awsvpc_network_mode": awsvpc_network_mode,
    "no_host_pid_mode": no_host_pid_mode,
    "no_host_ipc_mode": no_host_ipc_mode,
    "readonly_root_filesystem": readonly_root_filesystem,
    "no_dangerous_capabilities": no_dangerous_capabilities,
    "capabilities_dropped": capabilities_dropped,
    "no_sensitive_host_mounts": no_sensitive_host_mounts,
    "no_host_devices": no_host_devices,
    "secure_docker_security_options": secure_docker_security_options,
    "no_system_controls": no_system_controls,
    **_td_data.CHECKS,
}
