"""Network side of the scope graph: identity classes of workloads, hosts, load balancers,
data stores, instances and endpoints; load-balancer forwarding; data stores and keys."""

from __future__ import annotations

from ecsguard.model import Inventory, ec2, ecs, services, tag_map
from ecsguard.scope.build_ecs import EcsBuilder
from ecsguard.scope.components import Component, ScopeGraph
from ecsguard.scope.netid import Network


class NetBuilder:
    def __init__(self, inv: Inventory, sg: ScopeGraph, net: Network, ecsb: EcsBuilder) -> None:
        self.inv = inv
        self.sg = sg
        self.net = net
        self.ecsb = ecsb
        self.host_classes: dict[str, set[int]] = {}
        self.enis_of: dict[str, list[ec2.NetworkInterface]] = {}
        for eni in inv.network_interfaces:
            if eni.attachment and eni.attachment.instance_id:
                self.enis_of.setdefault(eni.attachment.instance_id, []).append(eni)
        self.default_sg: dict[str, str] = {
            s.vpc_id: s.group_id
            for s in inv.security_groups
            if s.group_name == "default" and s.vpc_id
        }

    def build(self) -> None:
        for s in self.inv.security_groups:
            comp = self.sg.add(
                Component(s.id, "security_group", s.group_name or s.id, s.region), s.group_id
            )
            comp.meta["vpc"] = s.vpc_id
            if s.unknown:
                comp.unknown.append("security group rules not fully determined by the input")
        for acl in self.inv.network_acls:
            self.sg.add(Component(acl.id, "network_acl", acl.id, acl.region))
        for rt in self.inv.route_tables:
            self.sg.add(Component(rt.id, "route_table", rt.id, rt.region))
        self._hosts()
        self._instances()
        self._workloads()
        self._load_balancers()
        self._rds()
        self._data_stores()
        self._supporting_records()
        self._endpoints()

    def _hosts(self) -> None:
        for ci in self.inv.container_instances:
            comp = self.sg.components[ci.id]
            classes = self._instance_classes(ci.ec2_instance_id or "")
            if not classes:
                comp.unknown.append(
                    f"EC2 instance {ci.ec2_instance_id} of this container instance is not in the inventory"
                )
            comp.classes |= classes
            self.host_classes[ci.id] = classes

    def _instance_classes(self, instance_id: str) -> set[int]:
        out: set[int] = set()
        for eni in self.enis_of.get(instance_id, []) if instance_id else []:
            c = self.net.eni_class(eni.network_interface_id)
            if c is not None:
                out.add(c.index)
        if out:
            return out
        inst = self.inv.find("instances", instance_id)
        if not isinstance(inst, ec2.Instance):
            return out
        for ie in getattr(inst, "network_interfaces", ()):
            sgs = frozenset(g.group_id for g in ie.groups if g.group_id)
            ip = inst.private_ip_address if ie.subnet_id == inst.subnet_id else None
            out.add(self.net.klass(ie.subnet_id, sgs, (ip,) if ip else (), inst.vpc_id).index)
        if not out:
            sgs = frozenset(g.group_id for g in inst.security_groups if g.group_id)
            ips = tuple(x for x in (inst.private_ip_address,) if x)
            out.add(self.net.klass(inst.subnet_id, sgs, ips, inst.vpc_id).index)
        return out

    def _instances(self) -> None:
        """EC2 instances that are not ECS hosts (bastions, proxies, legacy servers)."""
        hosts = {ci.ec2_instance_id for ci in self.inv.container_instances}
        for inst in self.inv.instances:
            if inst.instance_id in hosts or (inst.state and inst.state.name == "terminated"):
                continue
            tags = tag_map(inst.tags)
            comp = self.sg.add(
                Component(inst.id, "instance", tags.get("Name") or inst.id, inst.region)
            )
            comp.classes |= self._instance_classes(inst.instance_id)
            self.ecsb.declare(comp, [("instance", tags)])

    def _awsvpc_classes(self, cfg: ecs.AwsVpcConfiguration, comp: Component) -> set[int]:
        sgs = frozenset(cfg.security_groups)
        out: set[int] = set()
        if not sgs:
            vpcs = {self.net.subnets[s].vpc for s in cfg.subnets if s in self.net.subnets}
            default = {self.default_sg.get(v or "") for v in vpcs} - {None}
            sgs = frozenset(g for g in default if g)
            if sgs:
                comp.flags.add("default-security-group")
            else:
                comp.unknown.append(
                    "no security groups listed and the VPC default group is unknown"
                )
        for subnet in cfg.subnets or (None,):
            out.add(self.net.klass(subnet, sgs).index)
        return out

    def _workloads(self) -> None:
        for wid, wl in self.sg.workloads.items():
            comp = self.sg.components[wid]
            if wl.network_mode == "awsvpc":
                for cfg in comp.meta.pop("awsvpc", []):
                    comp.classes |= self._awsvpc_classes(cfg, comp)
                for tid in wl.tasks:
                    task = self.inv.find("tasks", tid)
                    for eni in task.eni_ids if isinstance(task, ecs.Task) else []:
                        c = self.net.eni_class(eni)
                        if c is not None:
                            comp.classes.add(c.index)
                if not comp.classes and comp.kind != "task_definition":
                    comp.unknown.append("awsvpc workload with no known network configuration")
            elif wl.network_mode in ("bridge", "host"):
                comp.meta.pop("awsvpc", None)
                for host in wl.hosts | wl.may_hosts:
                    comp.classes |= self.host_classes.get(host, set())
                if not comp.classes and comp.kind != "task_definition":
                    comp.unknown.append(
                        f"{wl.network_mode}-mode workload on no known container instance: its network identity is unknown"
                    )
            else:
                comp.meta.pop("awsvpc", None)
            for tid in wl.tasks:
                self.sg.components[tid].classes = set(comp.classes)

    def _load_balancers(self) -> None:
        for lb in self.inv.load_balancers:
            comp = self.sg.add(
                Component(lb.id, "load_balancer", lb.name, lb.region), lb.load_balancer_name
            )
            comp.meta.update(scheme=lb.scheme, type=lb.type, sgs=list(lb.security_groups))
            sgs = frozenset(lb.security_groups)
            for zone in lb.availability_zones or ():
                comp.classes.add(self.net.klass(zone.subnet_id, sgs, vpc=lb.vpc_id).index)
            if not lb.availability_zones:
                comp.classes.add(self.net.klass(None, sgs, vpc=lb.vpc_id).index)
            self.ecsb.declare(comp, [(comp.kind, tag_map(lb.tags))])
            if lb.type == "network" and not lb.security_groups:
                comp.flags.add("nlb-without-security-groups")
        for tg in self.inv.target_groups:
            self.sg.add(Component(tg.id, "target_group", tg.name, tg.region), tg.target_group_name)
            for lb_arn in tg.load_balancer_arns:
                self.sg.link(lb_arn, tg.id, "forwards", ports=f"tcp/{tg.port}" if tg.port else "")
        for ls in self.inv.listeners:
            lb_comp = self.sg.components.get(ls.load_balancer_arn)
            label = f"{lb_comp.name} {ls.name}" if lb_comp else ls.name
            self.sg.add(Component(ls.id, "listener", label, ls.region))
            self.sg.link(ls.load_balancer_arn, ls.id, "has_listener")
            for action in ls.default_actions:
                for tg_arn in action.target_group_arns():
                    self.sg.link(ls.load_balancer_arn, tg_arn, "forwards", evidence=[ls.id])
                    self.sg.link(ls.id, tg_arn, "forwards")
        for wid, wl in self.sg.workloads.items():
            for tg_arn in wl.target_groups:
                found = self.inv.find("target_groups", tg_arn)
                if not isinstance(found, services.TargetGroup):
                    self.sg.components[wid].unknown.append(
                        f"target group {tg_arn} is not in the inventory"
                    )
                    continue
                self.sg.link(
                    found.id, wid, "forwards", ports=f"tcp/{found.port}" if found.port else ""
                )

    def _rds(self) -> None:
        for db in self.inv.rds_instances:
            comp = self.sg.add(
                Component(db.id, "data_store", db.name, db.region), db.db_instance_identifier
            )
            sgs = frozenset(s.vpc_security_group_id for s in db.vpc_security_groups)
            subnets = (
                [s.subnet_identifier for s in db.db_subnet_group.subnets]
                if db.db_subnet_group
                else []
            )
            vpc = db.db_subnet_group.vpc_id if db.db_subnet_group else None
            for subnet in subnets or [None]:
                comp.classes.add(self.net.klass(subnet, sgs, vpc=vpc).index)
            comp.meta["engine"] = db.engine
            self.ecsb.declare(comp, [(comp.kind, tag_map(db.tag_list))])
            if db.kms_key_id:
                self.sg.link(db.id, self.ecsb._ref("kms_keys", db.kms_key_id, "key"), "uses_key")

    def _data_stores(self) -> None:
        for q in self.inv.sqs_queues:
            comp = self.sg.add(Component(q.id, "queue", q.name, q.region), q.queue_url)
            self.ecsb.declare(comp, [(comp.kind, q.tags)])
        for b in self.inv.s3_buckets:
            comp = self.sg.add(Component(b.id, "bucket", b.name, b.region), b.name)
            self.ecsb.declare(comp, [(comp.kind, tag_map(b.tags))])
        for fs in self.inv.efs_file_systems:
            comp = self.sg.add(
                Component(fs.id, "file_system", fs.name or fs.file_system_id, fs.region),
                fs.file_system_id,
            )
            self.ecsb.declare(comp, [(comp.kind, tag_map(fs.tags))])
            for mt in fs.mount_targets:
                comp.classes.add(
                    self.net.klass(
                        mt.subnet_id,
                        frozenset(mt.security_groups),
                        (mt.ip_address,) if mt.ip_address else (),
                    ).index
                )

    def _supporting_records(self) -> None:
        for lg in self.inv.log_groups:
            comp = self.sg.add(Component(lg.id, "log_group", lg.name, lg.region), lg.log_group_name)
            self.ecsb.declare(comp, [(comp.kind, lg.tags)])
            if lg.kms_key_id:
                self.sg.link(lg.id, self.ecsb._ref("kms_keys", lg.kms_key_id, "key"), "uses_key")
        for s in self.inv.secrets:
            self.sg.add(Component(s.id, "secret", s.name, s.region), s.name)
            if s.kms_key_id:
                self.sg.link(s.id, self.ecsb._ref("kms_keys", s.kms_key_id, "key"), "uses_key")
        for p in self.inv.ssm_parameters:
            self.sg.add(Component(p.id, "secret", p.name, p.region), p.name)
            if p.key_id:
                self.sg.link(p.id, self.ecsb._ref("kms_keys", p.key_id, "key"), "uses_key")
        for k in self.inv.kms_keys:
            self.sg.add(
                Component(k.id, "key", k.aliases[0] if k.aliases else k.name, k.region),
                k.key_id,
                *k.aliases,
            )
        for r in self.inv.iam_roles:
            self.sg.add(Component(r.id, "role", r.name, r.region), r.role_name)
        for repo in self.inv.ecr_repositories:
            self.sg.add(
                Component(repo.id, "repository", repo.name, repo.region), repo.repository_name
            )
        for ns in self.inv.sd_namespaces:
            self.sg.add(Component(ns.id, "namespace", ns.name, ns.region), ns.name)

    def _endpoints(self) -> None:
        for ep in self.inv.vpc_endpoints:
            if (ep.vpc_endpoint_type or "").lower() != "interface":
                continue
            comp = self.sg.add(
                Component(ep.id, "vpc_endpoint", str(ep.service_name or ep.id), ep.region)
            )
            sgs = frozenset(g.group_id for g in ep.groups if g.group_id)
            for subnet in ep.subnet_ids or (None,):
                comp.classes.add(self.net.klass(subnet, sgs, vpc=ep.vpc_id).index)
