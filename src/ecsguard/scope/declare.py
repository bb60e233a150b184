"""The user's word on where card data is: tags, ``scope.yaml`` overrides, ``dataflows.yaml``.

DESIGN §3.4 fixes the vocabulary. Parsing is strict (an unknown value is an input error in a
file, an ambiguity on a tag) because a misspelt declaration must never shrink scope silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ecsguard.errors import InputError

CHD_VALUES = ("store", "process", "transmit", "none")
CLASSIFICATIONS = ("chd", "tokens", "truncated-pan", "phi", "internal", "public")
PAN_ELEMENTS = frozenset({"pan", "cardnumber", "primaryaccountnumber", "fullpan", "chd"})
SAD_ELEMENTS = frozenset(
    {
        "cvv", "cvv2", "cvc", "cvc2", "cid", "cav2", "pin", "pinblock", "track", "track1",
        "track2", "trackdata", "magstripe", "magneticstripe", "sad", "fulltrack", "chip",
        "chipdata", "icc",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Declaration:
    """What a component is declared to do with account data, and where that was said."""

    source: str  # tag:service | tag:task_definition | tag:cluster | tag | scope.yaml
    chd: tuple[str, ...] = ()
    sad: bool | None = None
    classification: str | None = None
    forwards: bool | None = None
    justification: str = ""
    problems: tuple[str, ...] = ()

    @property
    def handles_chd(self) -> bool:
        return any(v != "none" for v in self.chd) or bool(self.sad) or self.classification == "chd"

    @property
    def labelled(self) -> bool:
        """True when the declaration says something about CHD (not just ``forwards``)."""
        return bool(self.chd) or self.sad is not None or self.classification is not None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source}
        if self.chd:
            out["chd"] = list(self.chd)
        if self.sad is not None:
            out["sad"] = self.sad
        if self.classification:
            out["classification"] = self.classification
        if self.forwards is not None:
            out["forwards"] = self.forwards
        if self.justification:
            out["justification"] = self.justification
        return out


def from_tags(tags: dict[str, str], source: str) -> Declaration | None:
    """Read ``pci:chd``/``pci:sad``/``data-classification``/``pci:forwards`` from tags."""
    keys = {k.lower(): v for k, v in tags.items()}
    if not any(k in keys for k in ("pci:chd", "pci:sad", "data-classification", "pci:forwards")):
        return None
    problems: list[str] = []
    chd: tuple[str, ...] = ()
    if "pci:chd" in keys:
        values = tuple(v.strip().lower() for v in keys["pci:chd"].split(",") if v.strip())
        bad = [v for v in values if v not in CHD_VALUES]
        if bad or not values:
            problems.append(f"pci:chd={keys['pci:chd']!r} is not a list of {CHD_VALUES}")
        chd = tuple(v for v in values if v in CHD_VALUES)
    sad = _bool_tag(keys, "pci:sad", problems)
    forwards = _bool_tag(keys, "pci:forwards", problems)
    classification = None
    if "data-classification" in keys:
        value = keys["data-classification"].strip().lower()
        if value in CLASSIFICATIONS:
            classification = value
        else:
            problems.append(f"data-classification={value!r} is not one of {CLASSIFICATIONS}")
    return Declaration(
        source=source,
        chd=chd,
        sad=sad,
        classification=classification,
        forwards=forwards,
        problems=tuple(problems),
    )


def _bool_tag(keys: dict[str, str], key: str, problems: list[str]) -> bool | None:
    if key not in keys:
        return None
    value = keys[key].strip().lower()
    if value in ("true", "false"):
        return value == "true"
    problems.append(f"{key}={keys[key]!r} is not true or false")
    return None


def load_overrides(path: str | None) -> dict[str, Declaration]:
    """``scope.yaml``: ``workloads: {<name or ARN>: {chd, sad, classification, forwards, justification}}``."""
    if not path:
        return {}
    doc = _yaml(path)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InputError(path, None, "expected a mapping with a 'workloads' key")
    out: dict[str, Declaration] = {}
    for section in ("workloads", "components"):
        entries = doc.get(section) or {}
        if not isinstance(entries, dict):
            raise InputError(path, section, "expected a mapping of name or ARN to settings")
        for key, spec in entries.items():
            out[str(key)] = _override(spec, path, f"{section}.{key}")
    return out


def _override(spec: Any, path: str, place: str) -> Declaration:
    if not isinstance(spec, dict):
        raise InputError(path, place, "expected a mapping")
    known = {"chd", "sad", "classification", "data-classification", "forwards", "justification"}
    for key in spec:
        if key not in known:
            raise InputError(path, f"{place}.{key}", f"unknown key (known: {sorted(known)})")
    chd_raw = spec.get("chd", [])
    if isinstance(chd_raw, str):
        chd_raw = [v.strip() for v in chd_raw.split(",")]
    if not isinstance(chd_raw, list) or any(str(v).lower() not in CHD_VALUES for v in chd_raw):
        raise InputError(path, f"{place}.chd", f"expected a list of {list(CHD_VALUES)}")
    classification = spec.get("classification", spec.get("data-classification"))
    if classification is not None and str(classification).lower() not in CLASSIFICATIONS:
        raise InputError(path, f"{place}.classification", f"expected one of {CLASSIFICATIONS}")
    for key in ("sad", "forwards"):
        if key in spec and not isinstance(spec[key], bool):
            raise InputError(path, f"{place}.{key}", "expected true or false")
    return Declaration(
        source="scope.yaml",
        chd=tuple(str(v).lower() for v in chd_raw),
        sad=spec.get("sad"),
        classification=str(classification).lower() if classification is not None else None,
        forwards=spec.get("forwards"),
        justification=str(spec.get("justification") or ""),
    )


def merge(tag: Declaration | None, override: Declaration | None) -> Declaration | None:
    """The override file wins field by field; tags fill what it leaves unsaid."""
    if override is None:
        return tag
    if tag is None:
        return override
    return Declaration(
        source="scope.yaml",
        chd=override.chd or tag.chd,
        sad=override.sad if override.sad is not None else tag.sad,
        classification=override.classification or tag.classification,
        forwards=override.forwards if override.forwards is not None else tag.forwards,
        justification=override.justification,
    )


@dataclass(frozen=True)
class Flow:
    """One declared data flow (``dataflows.yaml``)."""

    id: str
    src: str
    dst: str
    elements: tuple[str, ...] = ()
    port: int | None = None
    protocol: str = "tcp"
    channel: str = ""
    encryption: str = ""
    stage: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def carries_pan(self) -> bool:
        return any(_norm(e) in PAN_ELEMENTS for e in self.elements)

    @property
    def carries_sad(self) -> bool:
        return any(_norm(e) in SAD_ELEMENTS for e in self.elements)

    @property
    def is_card_data(self) -> bool:
        return self.carries_pan or self.carries_sad


def _norm(element: str) -> str:
    return re.sub(r"[^a-z0-9]", "", element.lower())


def load_flows(path: str | None) -> list[Flow]:
    """``dataflows.yaml``: ``flows: [{id, from, to, elements, port, protocol, ...}]``."""
    if not path:
        return []
    doc = _yaml(path)
    if doc is None:
        return []
    items = doc.get("flows") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise InputError(path, "flows", "expected a list of flows")
    flows: list[Flow] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        flow = _flow(item, path, f"flows[{index}]", index)
        if flow.id in seen:
            raise InputError(path, f"flows[{index}].id", f"duplicate flow id {flow.id!r}")
        seen.add(flow.id)
        flows.append(flow)
    return flows


def _flow(item: Any, path: str, place: str, index: int) -> Flow:
    if not isinstance(item, dict):
        raise InputError(path, place, "expected a mapping")
    for key in ("from", "to"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise InputError(
                path, f"{place}.{key}", "required: a component name, ARN or external:<label>"
            )
    elements = item.get("elements", [])
    if isinstance(elements, str):
        elements = [e.strip() for e in elements.split(",")]
    if not isinstance(elements, list):
        raise InputError(path, f"{place}.elements", "expected a list")
    port = item.get("port")
    if port is not None and (not isinstance(port, int) or not 0 <= port <= 65535):
        raise InputError(path, f"{place}.port", "expected a port number")
    known = {"id", "from", "to", "elements", "port", "protocol", "channel", "encryption", "stage"}
    return Flow(
        id=str(item.get("id") or f"F{index + 1}"),
        src=item["from"].strip(),
        dst=item["to"].strip(),
        elements=tuple(str(e) for e in elements),
        port=port,
        protocol=str(item.get("protocol") or "tcp").lower(),
        channel=str(item.get("channel") or ""),
        encryption=str(item.get("encryption") or ""),
        stage=str(item.get("stage") or ""),
        extra={k: v for k, v in item.items() if k not in known},
    )


def _yaml(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1} column {mark.column + 1}" if mark else None
        raise InputError(path, place, f"invalid YAML: {getattr(exc, 'problem', exc)}") from None
