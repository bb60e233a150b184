"""Rules S1-S5 (connected-to, security-impacting), U1, O1 and A1, over a fixed CDE set."""

from __future__ import annotations

from ecsguard.model import Inventory
from ecsguard.scope import iam
from ecsguard.scope.classify import Classifier
from ecsguard.scope.components import Workload
from ecsguard.scope.reasons import Reason
from ecsguard.scope.supporting import supporting_services

SG_KIND = frozenset({"security_group"})


class SupportRules:
    def __init__(self, cl: Classifier, inv: Inventory) -> None:
        self.cl = cl
        self.sg = cl.sg
        self.inv = inv
        self.policies: dict[str, iam.RolePolicies] = {}
        self._reach_cache: dict[str, list[str]] = {}
        self.resources: dict[str, str] = {}
        for role in inv.iam_roles:
            self.policies[role.id] = iam.role_policies(role)

    def run(self) -> None:
        self.resources = self.cde_resources()
        self._role_unknowns()
        self.s1()
        self.s1b()
        self.s2()
        self.s3_s4()
        supporting_services(self)

    def _role_unknowns(self) -> None:
        """A workload whose task role's permissions are unknown may reach the CDE (fail closed)."""
        for wid, wl in self.sg.workloads.items():
            for role in sorted(wl.task_roles):
                pol = self.policies.get(role)
                gaps = list(pol.unknown) if pol else list(self.sg.components[role].unknown)
                for gap in gaps[:2]:
                    text = f"task role {self.cl.name(role)}: {gap}"
                    if text not in self.sg.components[wid].unknown:
                        self.sg.components[wid].unknown.append(text)
                if pol and pol.unknown:
                    self.sg.components[role].unknown.extend(
                        g for g in pol.unknown if g not in self.sg.components[role].unknown
                    )

    def add(self, cid: str, reason: Reason) -> None:
        # external parties are third-party connections, not the entity's system components
        comp = self.sg.components.get(cid)
        if cid not in self.cl.cde and comp is not None and comp.kind != "external":
            self.cl.add(cid, reason)

    # S1: network paths to/from the CDE, first hop plus forwarders
    def s1(self) -> None:
        self._s1_direct()
        self._s1_forwarders()
        self._s1_shared_lb()

    def _s1_direct(self) -> None:
        cde = self.cl.cde
        for a, b, key, data in self.sg.g.edges(keys=True, data=True):
            if key != "can_reach":
                continue
            ev, ports = tuple(data.get("evidence", [])), data.get("ports", "")
            if b in cde and a not in cde:
                self.add(
                    a,
                    Reason(
                        "S1",
                        "can-reach-cde",
                        f"can connect to CDE component {self.cl.name(b)} on {ports}",
                        (a, b),
                        ev,
                    ),
                )
            if a in cde and b not in cde:
                self.add(
                    b,
                    Reason(
                        "S1",
                        "reachable-from-cde",
                        f"CDE component {self.cl.name(a)} can connect to it on {ports}",
                        (b, a),
                        ev,
                    ),
                )

    def _s1_forwarders(self) -> None:
        cde = self.cl.cde
        for f, comp in self.sg.components.items():
            if f in cde or not (comp.declaration and comp.declaration.forwards):
                continue
            targets = [b for b in self.sg.out(f, "can_reach") if b in cde]
            if not targets:
                continue
            self.cl.view.touch_into(f)
            for x in self.sg.into(f, "can_reach"):
                if x not in cde:
                    t = targets[0]
                    ev = tuple((self.sg.edge(x, f, "can_reach") or {}).get("evidence", []))
                    self.add(
                        x,
                        Reason(
                            "S1",
                            "via-forwarder",
                            f"can reach forwarder {comp.name} (pci:forwards), which can reach CDE component {self.cl.name(t)}",
                            (x, f, t),
                            ev,
                        ),
                    )

    def _s1_shared_lb(self) -> None:
        cde = self.cl.cde
        for lb in cde:
            if self.sg.components[lb].kind != "load_balancer":
                continue
            for tg in self.sg.out(lb, "forwards"):
                for w in self.sg.out(tg, "forwards"):
                    if w not in cde:
                        self.add(
                            tg,
                            Reason(
                                "S1",
                                "shared-lb-target",
                                f"target group of CDE load balancer {self.cl.name(lb)}",
                                (tg, lb),
                            ),
                        )
                        self.add(
                            w,
                            Reason(
                                "S1",
                                "shared-lb-target",
                                f"target of CDE load balancer {self.cl.name(lb)} (shared listener)",
                                (w, tg, lb),
                            ),
                        )

    # S1b: declared flows with the CDE; data resources CDE roles can use
    def s1b(self) -> None:
        for cid, ends in self.cl.flow_ends.items():
            for flow_id, other, _kind in ends:
                if other in self.cl.cde:
                    self.add(
                        cid,
                        Reason(
                            "S1b",
                            "flow-with-cde",
                            f"declared flow {flow_id} with CDE component {self.cl.name(other)}",
                            (cid, other),
                            (flow_id,),
                        ),
                    )
        stores = [c for c in self.sg.components.values() if c.kind in ("queue", "bucket")]
        for wid in self.cl.workloads_in_cde():
            for role in self.sg.workloads[wid].task_roles:
                pol = self.policies.get(role)
                if pol is None:
                    continue
                for store in stores:
                    actions = iam.SQS_RW if store.kind == "queue" else iam.S3_RW
                    resource = store.id if store.kind == "queue" else f"{store.id}/*"
                    policy = pol.allows(actions, resource)
                    if policy:
                        self.add(
                            store.id,
                            Reason(
                                "S1b",
                                "cde-role-access",
                                f"CDE workload {self.cl.name(wid)} can read or write it (role {self.cl.name(role)}, policy {policy})",
                                (store.id, role, wid),
                                (policy,),
                            ),
                        )

    # S2: co-tenancy on EC2 hosts
    def s2(self) -> None:
        cde_hosts = {h for h in self.cl.cde if self.sg.components[h].kind == "container_instance"}
        for wid, wl in self.sg.workloads.items():
            observed = sorted(wl.hosts & cde_hosts)
            possible = sorted(wl.may_hosts & cde_hosts)
            bridge = (
                "; its bridge-mode tasks would share the host's Docker bridge with CDE tasks"
                if wl.network_mode == "bridge"
                else ""
            )
            if observed:
                text = f"runs on EC2 host {self.cl.name(observed[0])} with CDE tasks (no task isolation on EC2)"
                self.add(wid, Reason("S2", "cotenancy", text, (wid, observed[0])))
            elif possible:
                text = f"may be placed on EC2 host {self.cl.name(possible[0])}, which runs CDE tasks{bridge}"
                self.add(wid, Reason("S2", "cotenancy", text, (wid, possible[0])))

    def cde_resources(self) -> dict[str, str]:
        """Resources of CDE workloads and stores that other principals must not reach."""
        out: dict[str, str] = {}
        for wid in self.cl.workloads_in_cde():
            wl = self.sg.workloads[wid]
            for s in wl.secrets:
                out[s] = "secret"
            for r in wl.repositories:
                out[r] = "repository"
        for cid in self.cl.cde:
            comp = self.sg.components[cid]
            if comp.kind in ("bucket", "queue", "file_system", "secret"):
                out[cid] = comp.kind
        for cid in list(out):
            for key in self.sg.out(cid, "uses_key"):
                out[key] = "key"
        return out

    # S3/S4: shared task roles, roles reaching CDE resources, shared secrets/volumes/log groups
    def s3_s4(self) -> None:
        role_of: dict[str, str] = {}
        secret_of: dict[str, str] = {}
        log_of: dict[str, str] = {}
        vol_of: dict[str, tuple[str, bool]] = {}
        for wid in self.cl.workloads_in_cde():
            wl = self.sg.workloads[wid]
            role_of.update({r: wid for r in wl.task_roles})
            secret_of.update({s: wid for s in wl.secrets})
            log_of.update({g: wid for g in wl.log_groups})
            vol_of.update({v: (wid, rw) for v, rw in wl.volumes.items()})
        for wid, wl in self.sg.workloads.items():
            if wid not in self.cl.cde:
                self._s3(wid, wl, role_of)
                self._s4(wid, wl, secret_of, log_of, vol_of)

    def _s3(self, wid: str, wl: Workload, role_of: dict[str, str]) -> None:
        """Shared task roles (with what the role reaches) and roles that reach CDE resources."""
        for r in sorted(wl.task_roles & role_of.keys()):
            reach = self.role_reach(r, self.resources)
            extra = f"; the role can reach {', '.join(reach)}" if reach else ""
            text = f"shares task role {self.cl.name(r)} with CDE workload {self.cl.name(role_of[r])}{extra}"
            self.add(wid, Reason("S3", "shared-task-role", text, (wid, r, role_of[r])))
        for r in sorted(wl.task_roles - role_of.keys()):
            for what in self.role_reach(r, self.resources)[:3]:
                text = f"its task role {self.cl.name(r)} can reach {what}"
                self.add(wid, Reason("S3", "role-reaches-cde", text, (wid, r)))

    def _s4(
        self,
        wid: str,
        wl: Workload,
        secret_of: dict[str, str],
        log_of: dict[str, str],
        vol_of: dict[str, tuple[str, bool]],
    ) -> None:
        """Secrets, writable volumes and log groups shared with CDE workloads."""
        name = self.cl.name
        for s in sorted(wl.secrets & secret_of.keys()):
            text = f"reads secret {name(s)}, also used by CDE workload {name(secret_of[s])}"
            self.add(wid, Reason("S4", "shared-secret", text, (wid, s, secret_of[s])))
        for v, rw in sorted(wl.volumes.items()):
            if v in vol_of and (rw or vol_of[v][1]):
                mode = "read-write" if rw else "read-only"
                text = f"mounts file system {name(v)} {mode}, shared with CDE workload {name(vol_of[v][0])}"
                self.add(wid, Reason("S4", "shared-volume", text, (wid, v, vol_of[v][0])))
        for g in sorted(wl.log_groups & log_of.keys()):
            text = f"writes to log group {name(g)} of CDE workload {name(log_of[g])}"
            self.add(wid, Reason("S4", "shared-log-group", text, (wid, g, log_of[g])))

    def role_reach(self, role: str, resources: dict[str, str]) -> list[str]:
        if role not in self._reach_cache:
            self._reach_cache[role] = self._role_reach(role, resources)
        return self._reach_cache[role]

    def _role_reach(self, role: str, resources: dict[str, str]) -> list[str]:
        pol = self.policies.get(role)
        if pol is None:
            return []
        actions = {"secret": iam.SECRET_READ + iam.SSM_READ, "key": iam.KMS_USE, "repository": iam.ECR_WRITE,
                   "bucket": iam.S3_RW, "queue": iam.SQS_RW, "file_system": ("elasticfilesystem:ClientWrite",)}  # fmt: skip
        out: list[str] = []
        for rid, kind in sorted(resources.items()):
            target = f"{rid}/*" if kind == "bucket" else rid
            policy = pol.allows(actions[kind], target)
            if policy:
                out.append(f"CDE {kind} {self.cl.name(rid)} (policy {policy})")
        if pol.allows(iam.ADMIN, "*"):
            out.append("ECS/security-group administration of the CDE")
        return out
