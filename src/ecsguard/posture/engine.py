"""The posture engine: runs selected checks over an inventory and builds one Finding per
(check, resource). Pure: no I/O, no printing.

Fail closed: a predicate that raises, a value the input left unknown, or a snapshot
``errors`` entry for the resource's service and region all give ``error``, never ``pass``.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Sequence
from hashlib import sha256
from typing import Any

import msgspec

from ecsguard import __version__
from ecsguard.model import Inventory
from ecsguard.posture.collections import COLLECTIONS, RESOURCE_TYPES, concerns
from ecsguard.posture.context import Context
from ecsguard.posture.outcome import MASK, Outcome
from ecsguard.posture.policy import Policy
from ecsguard.posture.registry import Check, load_checks
from ecsguard.posture.result import Evidence, Finding, Location, ResourceRef, ScanResult, finding_id
from ecsguard.posture.secrets import could_hold_secret
from ecsguard.redact import redact_text, scrub

MAX_DETAILS = 5


class ScanOptions(msgspec.Struct, kw_only=True):
    all_revisions: bool = False
    include_legacy: bool = False
    severity: dict[str, str] = {}  # check id -> severity override
    only: tuple[str, ...] = ()  # fnmatch-free prefixes/ids to run (empty = all)
    skip: tuple[str, ...] = ()


def select_checks(options: ScanOptions) -> list[Check]:
    checks = []
    for check in load_checks().values():
        if check.legacy and not options.include_legacy and check.id not in options.only:
            continue
        if options.only and not any(_matches(check.id, p) for p in options.only):
            continue
        if any(_matches(check.id, p) for p in options.skip):
            continue
        checks.append(check)
    return checks


def _matches(check_id: str, pattern: str) -> bool:
    if pattern.endswith("*"):
        return check_id.startswith(pattern[:-1])
    return check_id == pattern or check_id.startswith(pattern + ".")


def scan(
    inventory: Inventory,
    *,
    policy: Policy | None = None,
    options: ScanOptions | None = None,
    checks: Sequence[Check] | None = None,
) -> ScanResult:
    """Judge ``inventory`` with ``checks`` (default: every selected check)."""
    options = options or ScanOptions()
    ctx = Context(inventory, policy)
    builder = _Builder(inventory, options)
    # hundreds of thousands of small acyclic objects: the cyclic GC only costs time here
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for check in checks if checks is not None else select_checks(options):
            builder.run(check, ctx)
    finally:
        if was_enabled:
            gc.enable()
    return ScanResult(
        tool_version=__version__,
        inputs=[i.path for i in inventory.inputs],
        results=builder.results,
        notes=builder.notes(),
    )


class _Builder:
    def __init__(self, inventory: Inventory, options: ScanOptions) -> None:
        self.inventory = inventory
        self.options = options
        self.results: list[Finding] = []
        self._resources: dict[str, list[tuple[Any, str, ResourceRef, Location | None, bytes]]] = {}
        self._refs: dict[int, tuple[ResourceRef, Location | None, str]] = {}
        self._na: dict[str, set[str]] = {}
        self._frameworks = _framework_lookup()

    def notes(self) -> list[str]:
        return [
            f"{check_id}: not applicable for {', '.join(sorted(kinds))}"
            for check_id, kinds in self._na.items()
        ]

    def _collection(self, name: str) -> list[tuple[Any, str, ResourceRef, Location | None, bytes]]:
        """(resource, input kind, ref, location, id bytes) per resource, built once per scan."""
        if name not in self._resources:
            rows = []
            for res in COLLECTIONS[name].resources(self.inventory, self.options.all_revisions):
                ref, loc, rid = self._ref(res)
                kind = res.origin.kind if res.origin is not None else ""
                rows.append((res, kind, ref, loc, rid.encode()))
            self._resources[name] = rows
        return self._resources[name]

    def run(self, check: Check, ctx: Context) -> None:
        kinds = set(check.kinds)
        present = self.inventory.kinds
        missing = sorted(k for k in present if k not in kinds)
        if missing:
            self._na.setdefault(check.id, set()).update(missing)
        if not kinds & present:
            return
        meta = _CheckMeta(check, self.options.severity.get(check.id), self._frameworks(check.id))
        broken = self._collection_errors(check)
        predicate = check.predicate
        append = self.results.append
        prefix = meta.id.encode() + b"\x1f"
        every_kind = kinds >= present
        for res, kind, ref, loc, rid_bytes in self._collection(check.collection):
            if not every_kind and kind and kind not in kinds:
                continue
            try:
                outcomes = predicate(res, ctx)
            except Exception as exc:  # a predicate bug must not become a pass
                outcomes = [
                    ("error", "", None, redact_text(f"check failed: {type(exc).__name__}: {exc}"))
                ]
            if outcomes is None:
                continue
            if len(outcomes) == 1:
                status, path, value, detail = outcomes[0]
                evidence: Evidence | None = _evidence(path, value)
            else:
                status, evidence, detail = fold(outcomes)
            if broken and ref.id in broken:
                reason = broken.pop(ref.id)
                if status == "pass":
                    status, detail = "error", f"collection error for this resource: {reason[1]}"
            append(
                Finding(
                    id=sha256(prefix + rid_bytes).hexdigest(),
                    check_id=meta.id,
                    title=meta.title,
                    severity=meta.severity,
                    status=status,
                    resource=ref,
                    location=loc,
                    evidence=evidence,
                    detail=detail,
                    remediation=meta.remediation,
                    references=meta.references,
                    frameworks=meta.frameworks,
                )
            )
        for rid, (region, message) in broken.items():
            append(self._error_finding(meta, check, rid, region, message))

    def _collection_errors(self, check: Check) -> dict[str, tuple[str, str]]:
        """Resource id (or a region placeholder) -> (region, message) of relevant errors."""
        if not self.inventory.errors:
            return {}
        coll = COLLECTIONS[check.collection]
        out: dict[str, tuple[str, str]] = {}
        for err in self.inventory.errors:
            if err.service != coll.service or not concerns(coll, err.operation):
                continue
            if "Tags" in err.operation and not check.id.endswith(".tagged"):
                continue  # missing tags leave only the tagging checks undetermined
            whole = err.resource in ("", "*")
            key = f"{coll.service}:{err.region}:{check.collection}" if whole else err.resource
            out.setdefault(key, (err.region, f"{err.operation}: {err.message}"))
        return out

    def _ref(self, res: Any) -> tuple[ResourceRef, Location | None, str]:
        key = id(res)
        cached = self._refs.get(key)
        if cached is None:
            # some API shapes have a ``Name`` that shadows Resource.name and may be null
            name = res.name if isinstance(res.name, str) and res.name else res.id
            ref = ResourceRef(type=res.TYPE, id=res.id, name=name, region=res.region)
            origin = res.origin
            loc = None
            if origin is not None and origin.file and origin.kind != "snapshot":
                loc = Location(file=origin.file, line=origin.line)
            elif origin is not None and origin.file:
                loc = Location(file=origin.file)
            cached = (ref, loc, ref.id)
            self._refs[key] = cached
        return cached

    def _error_finding(
        self, meta: _CheckMeta, check: Check, rid: str, region: str, message: str
    ) -> Finding:
        whole = rid.endswith(f":{check.collection}")
        ref = ResourceRef(
            type=RESOURCE_TYPES[check.collection],
            id=rid,
            name="(all resources of the region)" if whole else rid.rsplit("/", 1)[-1],
            region=region,
        )
        what = (
            "the region's resources could not be listed" if whole else "resource could not be read"
        )
        return Finding(
            id=finding_id(meta.id, rid),
            check_id=meta.id,
            title=meta.title,
            severity=meta.severity,
            status="error",
            resource=ref,
            detail=f"{what}: {message}",
            remediation=meta.remediation,
            references=meta.references,
            frameworks=meta.frameworks,
        )


class _CheckMeta:
    __slots__ = (
        "frameworks",
        "id",
        "pass_detail",
        "references",
        "remediation",
        "severity",
        "title",
    )

    def __init__(self, check: Check, severity: str | None, frameworks: dict[str, list[str]]):
        self.id = check.id
        self.title = check.title
        self.severity = severity or check.severity
        self.remediation = check.remediation.text
        self.references = {k: list(v) for k, v in check.references.items()}
        self.frameworks = frameworks
        self.pass_detail = ""


def fold(outcomes: list[Outcome]) -> tuple[str, Evidence | None, str]:
    """One status, the first failing (or erroring) evidence, and a combined detail."""
    if not outcomes:
        return "pass", None, ""
    if len(outcomes) == 1:
        status, path, value, detail = outcomes[0]
        return status, _evidence(path, value), detail
    fails = [o for o in outcomes if o[0] == "fail"]
    chosen = fails or [o for o in outcomes if o[0] == "error"]
    if not chosen:
        first = outcomes[0]
        return "pass", _evidence(first[1], first[2]), first[3]
    # containers often repeat one another's problem: say each distinct sentence once
    distinct = list(dict.fromkeys(o[3] for o in chosen if o[3]))
    details = distinct[:MAX_DETAILS]
    if len(distinct) > MAX_DETAILS:
        details.append(f"and {len(distinct) - MAX_DETAILS} more")
    first = chosen[0]
    return first[0], _evidence(first[1], first[2]), "; ".join(details)


_EVIDENCE: dict[Any, Evidence] = {}
_PLAIN = re.compile(r"^[A-Za-z0-9_.:/@+-]{0,19}$")


_BY_PATH: dict[str, Evidence] = {}


def _evidence(path: str, value: Any) -> Evidence:
    """Evidence objects are shared across findings (fleets repeat paths and values)."""
    if value is None:
        found_path = _BY_PATH.get(path)
        if found_path is None:
            found_path = _BY_PATH[path] = Evidence(path=path, value=None)
        return found_path
    key = (path, value if not isinstance(value, list) else tuple(value))
    try:
        found = _EVIDENCE.get(key)
    except TypeError:  # unhashable value (dict): build, never cache
        return Evidence(path=path, value=_safe(value))
    if found is None:
        found = Evidence(path=path, value=_safe(value))
        if len(_EVIDENCE) < 200_000:
            _EVIDENCE[key] = found
    return found


def _safe(value: Any) -> Any:
    """Evidence values as they may be shown: secrets masked, whatever the check returned."""
    if value is None or value is True or value is False or value == MASK:
        return value
    if isinstance(value, str) and (_PLAIN.match(value) or not could_hold_secret(value)):
        return value  # no value pattern, no secret-named assignment, not an entropy candidate
    if isinstance(value, int | float):
        return value
    return scrub(value)


def _framework_lookup() -> Any:
    try:
        from ecsguard.frameworks import frameworks_for
    except ImportError:
        return lambda _check_id: {}
    cache: dict[str, dict[str, list[str]]] = {}

    def lookup(check_id: str) -> dict[str, list[str]]:
        if check_id not in cache:
            try:
                cache[check_id] = frameworks_for(check_id)
            except Exception:  # a broken framework file must not stop a scan
                cache[check_id] = {}
        return cache[check_id]

    return lookup


def apply_only(checks: Iterable[Check], ids: set[str]) -> list[Check]:
    return [c for c in checks if c.id in ids]
