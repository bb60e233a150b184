"""Load balancer, listener and target-group predicates (metadata in elbv2.yaml)."""

from __future__ import annotations

import msgspec

from ecsguard.model.services import Listener, LoadBalancer, TargetGroup
from ecsguard.posture.context import Context
from ecsguard.posture.outcome import Outcomes, error, fail, passed, undetermined, unknown_at
from ecsguard.posture.registry import Predicate

SECURE = frozenset({"HTTPS", "TLS"})


def listener_encrypted(ls: Listener, ctx: Context) -> Outcomes:
    if ls.unknown and unknown_at(ls.unknown, "Protocol"):
        return [undetermined("Protocol")]
    proto = ls.protocol
    if proto in SECURE:
        return [passed("Protocol", proto)]
    if proto == "HTTP":
        for index, action in enumerate(ls.default_actions):
            redirect = action.redirect_config
            if action.type == "redirect" and redirect and redirect.protocol == "HTTPS":
                return [passed(f"DefaultActions[{index}].RedirectConfig.Protocol", "HTTPS")]
        return [
            fail("Protocol", proto, f"HTTP listener on port {ls.port} does not redirect to HTTPS")
        ]
    if proto in ("UDP", "TCP_UDP", "GENEVE"):
        return None
    return [fail("Protocol", proto, f"{proto} listener on port {ls.port} is not TLS")]


def listener_tls_policy(ls: Listener, ctx: Context) -> Outcomes:
    if ls.protocol not in SECURE:
        return None
    if ls.unknown and unknown_at(ls.unknown, "SslPolicy"):
        return [undetermined("SslPolicy")]
    policy = ls.ssl_policy
    if policy in ctx.policy.tls_policies:
        return [passed("SslPolicy", policy)]
    return [
        fail(
            "SslPolicy",
            policy,
            f"TLS policy {policy or 'default'} is not a recommended TLS 1.2/1.3 policy",
        )
    ]


def target_group_encrypted(tg: TargetGroup, ctx: Context) -> Outcomes:
    if tg.target_type == "lambda" or tg.target_type == "alb" or tg.protocol == "GENEVE":
        return None
    if tg.unknown and unknown_at(tg.unknown, "Protocol"):
        return [undetermined("Protocol")]
    if tg.protocol in ("HTTPS", "TLS", "QUIC", "TCP_QUIC"):
        return [passed("Protocol", tg.protocol)]
    return [fail("Protocol", tg.protocol, f"target group forwards {tg.protocol} in clear text")]


def load_balancer_hardened(lb: LoadBalancer, ctx: Context) -> Outcomes:
    if lb.type not in (None, "application"):
        return None
    problems = []
    drop = lb.attribute("routing.http.drop_invalid_header_fields.enabled")
    if drop != "true":
        problems.append(f"drop_invalid_header_fields is {drop or 'false (default)'}")
    desync = lb.attribute("routing.http.desync_mitigation_mode")
    if desync not in (None, "defensive", "strictest"):
        problems.append(f"desync mitigation mode is {desync}")
    if problems:
        return [fail("Attributes", drop, "; ".join(problems))]
    return [passed("Attributes", drop)]


def load_balancer_access_logs(lb: LoadBalancer, ctx: Context) -> Outcomes:
    if lb.type == "gateway":
        return None
    value = lb.attribute("access_logs.s3.enabled")
    if value == "true":
        return [passed("Attributes[access_logs.s3.enabled]", value)]
    return [fail("Attributes[access_logs.s3.enabled]", value, "access logs are off")]


def load_balancer_waf(lb: LoadBalancer, ctx: Context) -> Outcomes:
    """ELB.16 for what faces the internet: internet-facing ALBs have a WAF web ACL."""
    for path in ("Type", "Scheme"):
        if lb.unknown and unknown_at(lb.unknown, path):
            return [undetermined(path)]
    if lb.type != "application" or lb.scheme != "internet-facing":
        return None
    if lb.is_unknown("WebACL"):
        return [undetermined("WebACL")]
    acl = lb.web_acl
    if acl is msgspec.UNSET:
        reason = next(
            (
                f"{e.operation}: {e.message}"
                for e in ctx.inventory.errors
                if e.service == "wafv2" and e.resource in (lb.id, "*", "") and e.region == lb.region
            ),
            "the input does not say (a snapshot from before WAF associations were collected)",
        )
        return [error("WebACL", f"WAF association not read: {reason}")]
    if acl is None:
        return [fail("WebACL", None, "no WAF web ACL is associated with this internet-facing ALB")]
    return [passed("WebACL.ARN", acl.arn or acl.name)]


CHECKS: dict[str, Predicate] = {
    "listener_encrypted": listener_encrypted,
    "listener_tls_policy": listener_tls_policy,
    "target_group_encrypted": target_group_encrypted,
    "load_balancer_hardened": load_balancer_hardened,
    "load_balancer_access_logs": load_balancer_access_logs,
    "load_balancer_waf": load_balancer_waf,
}
