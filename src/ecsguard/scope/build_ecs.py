"""ECS side of the scope graph: workloads (services, standalone task groups, unused task
definitions), their tasks, hosts, clusters, and the roles, secrets, volumes, log groups,
repositories and namespaces they use."""

from __future__ import annotations

import re
from collections import defaultdict

from ecsguard.model import Inventory, ecs
from ecsguard.model.services import LogGroup, SdService
from ecsguard.scope.components import Component, ScopeGraph, Workload
from ecsguard.scope.declare import Declaration, from_tags, merge

ECR_IMAGE = re.compile(
    r"^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)"
)
FARGATE = frozenset({"FARGATE", "FARGATE_SPOT"})


def workload_tds(svc: ecs.Service) -> list[str]:
    """Every task definition a service may be running: current, deployments in flight, task sets."""
    refs = [svc.task_definition or ""]
    refs += [
        d.task_definition or "" for d in svc.deployments if d.status in (None, "PRIMARY", "ACTIVE")
    ]
    refs += [t.task_definition or "" for t in svc.task_sets if t.status not in ("DRAINING",)]
    return list(dict.fromkeys(r for r in refs if r))


def secret_base(ref: str) -> str:
    """Secrets Manager ``valueFrom`` may name a JSON key/version after the secret ARN."""
    if ref.startswith("arn:") and ":secretsmanager:" in ref:
        return ":".join(ref.split(":")[:7])
    return ref


class EcsBuilder:
    def __init__(self, inv: Inventory, sg: ScopeGraph, overrides: dict[str, Declaration]) -> None:
        self.inv = inv
        self.sg = sg
        self.overrides = overrides
        self.td_users: dict[str, set[str]] = defaultdict(set)
        self.instances_by_cluster: dict[str, list[ecs.ContainerInstance]] = defaultdict(list)
        for ci in inv.container_instances:
            self.instances_by_cluster[self.cluster_of(ci)].append(ci)
        # indexes so that large estates cost time in proportion to their size
        self.service_tasks: dict[str, list[ecs.Task]] = defaultdict(list)
        for task in inv.tasks:
            self.service_tasks[task.group or ""].append(task)
        self.log_groups: dict[str, list[LogGroup]] = defaultdict(list)
        for lg in inv.log_groups:
            self.log_groups[lg.log_group_name].append(lg)

    def cluster_of(self, ci: ecs.ContainerInstance) -> str:
        """The instance's cluster id; from its ARN (``container-instance/CLUSTER/ID``) when the
        input lacks ``clusterArn`` (DescribeContainerInstances does not return it)."""
        ref = ci.cluster_arn
        if not ref and ci.container_instance_arn.count("/") >= 2:
            ref = ci.container_instance_arn.split("/")[-2]
        cl = self.inv.cluster(ref)
        return cl.id if cl else ref

    # --- declarations --------------------------------------------------------------
    def override_for(self, *keys: str) -> Declaration | None:
        for key in keys:
            if key and key in self.overrides:
                return self.overrides[key]
        return None

    def declare(self, comp: Component, chain: list[tuple[str, dict[str, str]]]) -> None:
        """Tags on the first record of ``chain`` that carries any; the override file wins."""
        tag_decl = None
        for source, tags in chain:
            tag_decl = from_tags(tags, f"tag:{source}")
            if tag_decl is not None:
                break
        over = self.override_for(comp.id, comp.name, comp.meta.get("qualified", ""))
        comp.declaration = merge(tag_decl, over)
        if tag_decl is not None:
            comp.meta["tag_declaration"] = tag_decl
        if tag_decl is not None and tag_decl.problems:
            comp.unknown += [f"ambiguous declaration: {p}" for p in tag_decl.problems]

    # --- build ----------------------------------------------------------------------
    def build(self) -> None:
        for cl in self.inv.clusters:
            self.sg.add(Component(cl.id, "cluster", cl.name, cl.region), cl.cluster_name)
        for cp in self.inv.capacity_providers:
            self.sg.add(Component(cp.id, "capacity_provider", cp.name, cp.region), cp.name)
        for ci in self.inv.container_instances:
            comp = self.sg.add(Component(ci.id, "container_instance", ci.name, ci.region))
            comp.meta["ec2_instance_id"] = ci.ec2_instance_id
            self.sg.link(ci.id, self.cluster_of(ci), "in_cluster")
        for td in self.inv.task_definitions:
            comp = self.sg.add(
                Component(td.id, "task_definition", td.name, td.region), td.task_definition_arn
            )
            comp.unknown += [f"task definition value not determined: {p}" for p in td.unknown[:5]]
        for svc in self.inv.services:
            self._service(svc)
        self._task_groups()
        self._unused_task_definitions()

    def _cluster_id(self, ref: str | None) -> str:
        cl = self.inv.cluster(ref)
        return cl.id if cl else (ref or "")

    def _service(self, svc: ecs.Service) -> None:
        cluster = self.inv.cluster(svc.cluster_arn)
        qualified = f"{cluster.cluster_name if cluster else svc.cluster_arn.rsplit('/', 1)[-1]}/{svc.service_name}"
        comp = self.sg.add(
            Component(svc.id, "service", svc.name, svc.region, meta={"qualified": qualified}),
            qualified,
            svc.service_arn,
        )
        comp.unknown += [f"service value not determined: {p}" for p in svc.unknown[:5]]
        wl = Workload(svc.id, cluster=cluster.id if cluster else svc.cluster_arn or None)
        tds = [self.inv.task_definition(ref) for ref in workload_tds(svc)]
        for ref, td in zip(workload_tds(svc), tds, strict=True):
            if td is None:
                comp.unknown.append(f"task definition {ref} is not in the inventory")
        present = [td for td in tds if td is not None]
        td_tags = present[0].tag_dict if present else {}
        self.declare(
            comp,
            [
                ("service", svc.tag_dict),
                ("task_definition", td_tags),
                ("cluster", cluster.tag_dict if cluster else {}),
            ],
        )
        self._fill(
            wl,
            comp,
            present,
            svc.launch_type,
            [c.capacity_provider for c in svc.capacity_provider_strategy],
        )
        if svc.scheduling_strategy == "DAEMON":
            comp.flags.add("daemon")
        if svc.desired_count == 0:
            comp.flags.add("scaled-to-zero")
        if len(present) > 1:
            comp.flags.add("deployment-in-flight")
        for lb in svc.load_balancers:
            if lb.target_group_arn:
                wl.target_groups.add(lb.target_group_arn)
        for ts in svc.task_sets:
            wl.target_groups.update(
                lb.target_group_arn for lb in ts.load_balancers if lb.target_group_arn
            )
        self._namespaces(wl, svc)
        comp.meta["awsvpc"] = [nc for nc in self._net_configs(svc)]
        self.sg.workloads[svc.id] = wl
        for task in self.service_tasks.get(f"service:{svc.service_name}", []):
            if not svc.cluster_arn or task.cluster_arn == svc.cluster_arn:
                self._task(task, wl, comp)

    def _net_configs(self, svc: ecs.Service) -> list[ecs.AwsVpcConfiguration]:
        configs = [svc.awsvpc] + [
            d.network_configuration.awsvpc_configuration
            for d in svc.deployments
            if d.network_configuration
        ]
        configs += [
            t.network_configuration.awsvpc_configuration
            for t in svc.task_sets
            if t.network_configuration
        ]
        return [c for c in configs if c is not None]

    def _fill(
        self,
        wl: Workload,
        comp: Component,
        tds: list[ecs.TaskDefinition],
        launch: str | None,
        providers: list[str],
    ) -> None:
        for td in tds:
            wl.task_definitions.append(td.id)
            self.td_users[td.id].add(wl.id)
            self.sg.link(wl.id, td.id, "runs_task_definition")
            if td.network_mode:
                wl.network_mode = td.network_mode
            elif not (launch in FARGATE or "FARGATE" in td.requires_compatibilities):
                wl.network_mode = "bridge"  # Docker's default on Linux EC2 hosts
            if td.is_unknown("networkMode"):
                comp.unknown.append("network mode not determined")
            self._td_resources(wl, td)
        if wl.cluster:
            self.sg.link(wl.id, wl.cluster, "in_cluster")
        cluster = self.inv.cluster(wl.cluster)
        if not providers and not launch and cluster is not None:
            providers = [c.capacity_provider for c in cluster.default_capacity_provider_strategy]
        for name in providers:
            cp = self.inv.find("capacity_providers", name)
            wl.capacity_providers.add(cp.id if cp else name)
            if cp:
                self.sg.link(wl.id, cp.id, "uses_capacity_provider")
        ec2_providers = {p for p in providers if p not in FARGATE}
        wl.on_ec2 = (
            launch in ("EC2", "EXTERNAL")
            or bool(ec2_providers)
            or (not launch and not providers)
            or wl.network_mode in ("bridge", "host")
        )
        if launch in FARGATE or (providers and not ec2_providers):
            wl.on_ec2 = False
        if wl.on_ec2:
            for ci in self.instances_by_cluster.get(wl.cluster or "", []):
                if (
                    ec2_providers
                    and ci.capacity_provider_name
                    and ci.capacity_provider_name not in ec2_providers
                ):
                    continue
                wl.may_hosts.add(ci.id)
            comp.meta["launch"] = "EC2"
        else:
            comp.meta["launch"] = "FARGATE"

    def _td_resources(self, wl: Workload, td: ecs.TaskDefinition) -> None:
        if td.task_role_arn:
            wl.task_roles.add(self._ref("iam_roles", td.task_role_arn, "role"))
        if td.execution_role_arn:
            wl.exec_roles.add(self._ref("iam_roles", td.execution_role_arn, "role"))
        volumes = {v.name: v for v in td.volumes}
        for c in td.container_definitions:
            for s in (
                *c.secrets,
                *(c.log_configuration.secret_options if c.log_configuration else ()),
            ):
                wl.secrets.add(self._secret(s.value_from))
            if c.repository_credentials and c.repository_credentials.credentials_parameter:
                wl.secrets.add(self._secret(c.repository_credentials.credentials_parameter))
            lc = c.log_configuration
            if lc and lc.log_driver == "awslogs" and lc.options.get("awslogs-group"):
                wl.log_groups.add(
                    self._log_group(
                        lc.options["awslogs-group"], lc.options.get("awslogs-region") or td.region
                    )
                )
            m = ECR_IMAGE.match(c.image or "")
            if m:
                repo_arn = f"arn:aws:ecr:{m.group(2)}:{m.group(1)}:repository/{m.group(3)}"
                found = self.inv.find("ecr_repositories", repo_arn) or self.inv.find(
                    "ecr_repositories", m.group(3)
                )
                wl.repositories.add(
                    self._ref("ecr_repositories", found.id if found else repo_arn, "repository")
                )
            for mp in c.mount_points:
                vol = volumes.get(mp.source_volume)
                if vol and vol.efs_volume_configuration:
                    fs = self._efs(vol.efs_volume_configuration.file_system_id)
                    wl.volumes[fs] = wl.volumes.get(fs, False) or not mp.read_only

    def _ref(self, attr: str, ref: str, kind: str) -> str:
        res = self.inv.find(attr, ref)
        if res is None and ":alias/" in ref:
            res = self.inv.find(attr, "alias/" + ref.split(":alias/", 1)[1])  # KMS alias ARN
        if res is not None:
            self.sg.add(Component(res.id, kind, res.name, res.region), ref)
            return res.id
        comp = self.sg.add(Component(ref, kind, ref.rsplit("/", 1)[-1].rsplit(":", 1)[-1] or ref))
        comp.flags.add("not-in-inventory")
        if kind == "role" and not comp.unknown:
            # what a role can reach decides S3 for every workload using it
            comp.unknown.append(
                f"role {ref} is referenced but not in the inventory: its permissions are unknown"
            )
        return comp.id

    def _efs(self, fs_id: str) -> str:
        for fs in self.inv.efs_file_systems:
            if fs_id in (fs.file_system_id, fs.id, fs.file_system_arn):
                return self.sg.add(
                    Component(fs.id, "file_system", fs.name or fs.file_system_id, fs.region),
                    fs.file_system_id,
                ).id
        return self._ref("efs_file_systems", fs_id, "file_system")

    def _secret(self, ref: str) -> str:
        base = secret_base(ref)
        if ":ssm:" in base or (
            not base.startswith("arn:") and self.inv.find("ssm_parameters", base)
        ):
            name = base.split(":parameter", 1)[-1] if base.startswith("arn:") else base
            res = self.inv.find("ssm_parameters", base) or self.inv.find("ssm_parameters", name)
            if res is not None:
                return self.sg.add(Component(res.id, "secret", res.name, res.region), base).id
        return self._ref("secrets", base, "secret")

    def _log_group(self, name: str, region: str) -> str:
        for lg in self.log_groups.get(name, []):
            if not region or not lg.region or lg.region == region:
                return self.sg.add(Component(lg.id, "log_group", lg.name, lg.region)).id
        return self._ref("log_groups", name, "log_group")

    def _namespaces(self, wl: Workload, svc: ecs.Service) -> None:
        for reg in svc.service_registries:
            sd = self.inv.find("sd_services", reg.registry_arn)
            if isinstance(sd, SdService):
                ns_id = sd.namespace_id or str(sd.dns_config.get("NamespaceId") or "")
                ns = self.inv.find("sd_namespaces", ns_id)
                in_region = [n for n in self.inv.sd_namespaces if n.region == sd.region]
                if ns is None and len(in_region) == 1:
                    ns = in_region[0]  # ListServices omits the namespace; only one candidate
                if ns is not None:
                    wl.namespaces.add(self._ref("sd_namespaces", ns.id, "namespace"))
                else:
                    self.sg.components[svc.id].unknown.append(
                        f"namespace of service registry {sd.name} unknown"
                    )
        sc = svc.effective_service_connect
        if sc and sc.enabled and sc.namespace:
            wl.namespaces.add(self._ref("sd_namespaces", sc.namespace, "namespace"))

    def _task(self, task: ecs.Task, wl: Workload, owner: Component) -> None:
        comp = self.sg.add(
            Component(task.id, "task", task.task_arn.rsplit("/", 1)[-1] or task.id, task.region)
        )
        comp.meta["owner"] = wl.id
        wl.tasks.append(task.id)
        self.sg.link(task.id, wl.id, "instance_of")
        td = self.inv.task_definition(task.task_definition_arn)
        if td is not None and td.id not in wl.task_definitions:
            self._fill(
                wl,
                owner,
                [td],
                task.launch_type,
                [task.capacity_provider_name] if task.capacity_provider_name else [],
            )
        if task.container_instance_arn:
            ci = self.inv.find("container_instances", task.container_instance_arn)
            host = ci.id if ci else task.container_instance_arn
            wl.hosts.add(host)
            self.sg.link(task.id, host, "runs_on")

    def _task_groups(self) -> None:
        groups: dict[tuple[str, str], list[ecs.Task]] = defaultdict(list)
        for task in self.inv.tasks:
            if not (task.group or "").startswith("service:"):
                groups[
                    (task.cluster_arn, task.group or f"family:{task.task_definition_arn}")
                ].append(task)
        for (cluster_arn, group), tasks in sorted(groups.items()):
            cluster = self.inv.cluster(cluster_arn)
            cname = cluster.cluster_name if cluster else cluster_arn.rsplit("/", 1)[-1]
            gid = f"taskgroup:{cluster_arn}/{group}"
            comp = self.sg.add(
                Component(
                    gid,
                    "task_group",
                    f"{cname}/{group}",
                    tasks[0].region,
                    meta={"qualified": f"{cname}/{group}"},
                ),
                group,
            )
            comp.flags.add("standalone")
            wl = Workload(gid, cluster=cluster.id if cluster else cluster_arn)
            tds = [td for t in tasks if (td := self.inv.task_definition(t.task_definition_arn))]
            self.declare(
                comp,
                [
                    ("task", tasks[0].tag_dict),
                    ("task_definition", tds[0].tag_dict if tds else {}),
                    ("cluster", cluster.tag_dict if cluster else {}),
                ],
            )
            self._fill(wl, comp, list({td.id: td for td in tds}.values()), tasks[0].launch_type, [])
            self.sg.workloads[gid] = wl
            for task in tasks:
                self._task(task, wl, comp)

    def _unused_task_definitions(self) -> None:
        """A family no service or task runs is its own workload (it may be run at any time)."""
        used_families = {td.family for t in self.td_users if (td := self.inv.task_definition(t))}
        for td in self.inv.task_definitions:
            if td.id in self.td_users or td.family in used_families:
                continue
            comp = self.sg.components[td.id]
            self.declare(comp, [("task_definition", td.tag_dict)])
            wl = Workload(td.id)
            self._fill(
                wl, comp, [td], "FARGATE" if "FARGATE" in td.requires_compatibilities else None, []
            )
            wl.may_hosts.clear()
            self.sg.workloads[td.id] = wl
