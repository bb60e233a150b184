"""Container and ECS context for a process: cgroup -> container id -> task, family, image.

Sources, in order of trust: the ECS agent's introspection API (``/v1/tasks``, EC2 container
instances and ECS Anywhere), the task metadata endpoint v4 (Fargate, from inside the task), then
the container's own labels (``com.amazonaws.ecs.*``, from Docker's ``config.v2.json``). Lookups
are cached and refreshes rate-limited, so an unknown container costs at most one HTTP call per
``refresh_interval``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = [
    "ContainerContext",
    "Enricher",
    "cgroup2_root",
    "cgroup_container_id",
    "context_from_introspection",
    "context_from_task_metadata",
    "split_image",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")
# Fargate names containers "<32-hex task id>-<number>" instead of a 64-hex Docker id.
_FARGATE_ID = re.compile(r"[0-9a-f]{32}-\d{5,}")
_LABEL = "com.amazonaws.ecs."


@dataclass(frozen=True, slots=True)
class ContainerContext:
    container_id: str
    name: str | None = None
    image_name: str | None = None
    image_tag: str | None = None
    cluster: str | None = None
    task_arn: str | None = None
    family: str | None = None
    revision: str | None = None
    container_name: str | None = None

    def container(self) -> dict[str, Any]:
        """OCSF ``container`` object."""
        out: dict[str, Any] = {"uid": self.container_id}
        if self.name:
            out["name"] = self.name
        if self.image_name:
            image: dict[str, Any] = {"name": self.image_name}
            if self.image_tag:
                image["tag"] = self.image_tag
            out["image"] = image
        return out

    def ecs(self) -> dict[str, Any]:
        """``unmapped.ecs`` object (only the keys we know)."""
        values = {
            "cluster": self.cluster,
            "task_arn": self.task_arn,
            "family": self.family,
            "revision": self.revision,
            "container_name": self.container_name,
        }
        return {k: v for k, v in values.items() if v}


def split_image(image: str | None) -> tuple[str | None, str | None]:
    """``registry:5000/repo:tag`` -> (``registry:5000/repo``, ``tag``); digests kept as tag."""
    if not image:
        return None, None
    if "@" in image:
        name, _, digest = image.partition("@")
        return name, digest
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon + 1 :]
    return image, "latest"


def cgroup_container_id(path: str) -> str | None:
    """The container id inside a cgroup path (Docker, containerd, ECS on EC2 and Fargate)."""
    found = _HEX64.findall(path)
    if found:
        return str(found[-1])
    fargate = _FARGATE_ID.findall(path)
    return str(fargate[-1]) if fargate else None


def cgroup2_root() -> str | None:
    """Where the unified (v2) hierarchy is mounted: bpftrace's ``cgroup`` ids live there.

    Pure v2 hosts mount it at /sys/fs/cgroup; hybrid v1 hosts at /sys/fs/cgroup/unified.
    Walking a v1 tree instead would match inode numbers of another filesystem.
    """
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        if os.path.exists(os.path.join(root, "cgroup.controllers")):
            return root
    return None


def _revision(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def context_from_introspection(
    tasks: dict[str, Any], cluster: str | None
) -> dict[str, ContainerContext]:
    """``GET /v1/tasks`` (ECS agent introspection) -> contexts by Docker id."""
    out: dict[str, ContainerContext] = {}
    for task in tasks.get("Tasks") or []:
        if not isinstance(task, dict):
            continue
        for cont in task.get("Containers") or []:
            if not isinstance(cont, dict) or not cont.get("DockerId"):
                continue
            image_name, tag = split_image(cont.get("Image"))
            out[cont["DockerId"]] = ContainerContext(
                container_id=cont["DockerId"],
                name=cont.get("DockerName") or cont.get("Name"),
                image_name=image_name,
                image_tag=tag,
                cluster=cluster,
                task_arn=task.get("Arn"),
                family=task.get("Family"),
                revision=_revision(task.get("Version")),
                container_name=cont.get("Name"),
            )
    return out


def _from_labels(
    container_id: str, labels: dict[str, Any], image: str | None, name: str | None
) -> ContainerContext:
    image_name, tag = split_image(image)
    return ContainerContext(
        container_id=container_id,
        name=name,
        image_name=image_name,
        image_tag=tag,
        cluster=labels.get(_LABEL + "cluster"),
        task_arn=labels.get(_LABEL + "task-arn"),
        family=labels.get(_LABEL + "task-definition-family"),
        revision=_revision(labels.get(_LABEL + "task-definition-version")),
        container_name=labels.get(_LABEL + "container-name"),
    )


def context_from_task_metadata(task: dict[str, Any]) -> dict[str, ContainerContext]:
    """``GET ${ECS_CONTAINER_METADATA_URI_V4}/task`` -> contexts by Docker id."""
    out: dict[str, ContainerContext] = {}
    for cont in task.get("Containers") or []:
        if not isinstance(cont, dict) or not cont.get("DockerId"):
            continue
        labels = cont.get("Labels") if isinstance(cont.get("Labels"), dict) else {}
        ctx = _from_labels(
            cont["DockerId"], labels or {}, cont.get("Image"), cont.get("DockerName")
        )
        out[cont["DockerId"]] = ContainerContext(
            container_id=ctx.container_id,
            name=ctx.name or cont.get("Name"),
            image_name=ctx.image_name,
            image_tag=ctx.image_tag,
            cluster=task.get("Cluster") or ctx.cluster,
            task_arn=task.get("TaskARN") or ctx.task_arn,
            family=task.get("Family") or ctx.family,
            revision=_revision(task.get("Revision")) or ctx.revision,
            container_name=cont.get("Name") or ctx.container_name,
        )
    return out


def _get_json(url: str, timeout: float) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return orjson.loads(resp.read())


@dataclass
class Enricher:
    """Resolves container ids to ECS context, caching answers and rate-limiting refreshes."""

    introspection_url: str | None = "http://localhost:51678"
    task_metadata_url: str | None = None
    docker_root: str = "/var/lib/docker/containers"
    refresh_interval: float = 5.0
    timeout: float = 0.5
    cgroup_root: str | None = None  # the cgroup v2 mount; found when None
    errors: int = 0
    cluster: str | None = None  # this host's or task's cluster, once an endpoint named it
    _known: dict[str, ContainerContext] = field(default_factory=dict)
    _last_refresh: float = -1e9
    _cgroup_paths: dict[int, str] = field(default_factory=dict)
    _cgroup_scan: float = -1e9

    def context(self, container_id: str | None) -> ContainerContext | None:
        """ECS context for a container id; None for host processes."""
        if not container_id:
            return None
        ctx = self._known.get(container_id)
        if ctx is not None:
            return ctx
        now = time.monotonic()
        if now - self._last_refresh >= self.refresh_interval:
            self._last_refresh = now
            self.refresh()
            ctx = self._known.get(container_id)
        if ctx is None:
            ctx = self._from_docker(container_id) or ContainerContext(container_id)
            self._known[container_id] = ctx
        return ctx

    def _with_image(self, ctx: ContainerContext) -> ContainerContext:
        """The introspection API names the task but not the image; Docker's config does."""
        if ctx.image_name:
            return ctx
        docker = self._from_docker(ctx.container_id)
        if docker is None or not docker.image_name:
            return ctx
        return dataclasses.replace(ctx, image_name=docker.image_name, image_tag=docker.image_tag)

    def refresh(self) -> None:
        """Reload the ECS view (introspection and/or task metadata); failures are counted."""
        if self.introspection_url:
            base = self.introspection_url.rstrip("/")
            try:
                meta = _get_json(f"{base}/v1/metadata", self.timeout)
                tasks = _get_json(f"{base}/v1/tasks", self.timeout)
                cluster = meta.get("Cluster") if isinstance(meta, dict) else None
                self.cluster = cluster or self.cluster
                if isinstance(tasks, dict):
                    found = context_from_introspection(tasks, cluster)
                    self._known.update({k: self._with_image(v) for k, v in found.items()})
            except (OSError, ValueError):
                self.errors += 1
        if self.task_metadata_url:
            try:
                task = _get_json(f"{self.task_metadata_url.rstrip('/')}/task", self.timeout)
                if isinstance(task, dict):
                    self._known.update(context_from_task_metadata(task))
                    self.cluster = task.get("Cluster") or self.cluster
            except (OSError, ValueError):
                self.errors += 1

    def _from_docker(self, container_id: str) -> ContainerContext | None:
        path = os.path.join(self.docker_root, container_id, "config.v2.json")
        try:
            with open(path, "rb") as handle:
                doc = orjson.loads(handle.read())
        except (OSError, ValueError):
            return None
        config = doc.get("Config") or {}
        labels = config.get("Labels") or {}
        name = str(doc.get("Name") or "").lstrip("/") or None
        return _from_labels(container_id, labels, config.get("Image"), name)

    def container_for_cgroup(self, cgroup_id: int, pid: int) -> str | None:
        """Container id for a cgroup v2 id (its directory's inode), else from /proc/PID/cgroup."""
        path = self._cgroup_paths.get(cgroup_id)
        if path is None and cgroup_id > 1:
            now = time.monotonic()
            if now - self._cgroup_scan >= 1.0:
                self._cgroup_scan = now
                self._scan_cgroups()
                path = self._cgroup_paths.get(cgroup_id)
        if path is not None:
            return cgroup_container_id(path)
        return self.container_for_pid(pid)

    def container_for_pid(self, pid: int, proc_root: str = "/proc") -> str | None:
        try:
            with open(f"{proc_root}/{pid}/cgroup", encoding="utf-8") as handle:
                return cgroup_container_id(handle.read())
        except OSError:
            return None

    def _scan_cgroups(self) -> None:
        root = self.cgroup_root or cgroup2_root()
        if root is None:
            return
        paths: dict[int, str] = {}
        for dirpath, _dirs, _files in os.walk(root):
            try:
                paths[os.stat(dirpath).st_ino] = dirpath
            except OSError:
                continue
        self._cgroup_paths = paths
