"""What every predicate may consult besides its resource: the inventory and the policy."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from ecsguard.model import Inventory
from ecsguard.model.base import Resource, tag_map
from ecsguard.posture.outcome import Outcome, fail, passed
from ecsguard.posture.policy import Policy
from ecsguard.posture.secrets import SecretJudge


class Context:
    """Read-only view for predicates; lookups are built once per scan."""

    def __init__(self, inventory: Inventory, policy: Policy | None = None) -> None:
        self.inventory = inventory
        self.policy = policy or Policy()
        self.secrets = SecretJudge(self.policy.secret_allow, self.policy.secret_allow_names)

    def find(self, attr: str, ref: str | None) -> Any:
        return self.inventory.find(attr, ref)

    @cached_property
    def account_settings(self) -> dict[tuple[str, str], str | None]:
        """(region, setting name) -> value, account-level (root) settings preferred."""
        out: dict[tuple[str, str], str | None] = {}
        for item in self.inventory.account_settings:
            key = (item.region, item.name)
            if key not in out or (item.principal_arn or "").endswith(":root"):
                out[key] = item.value
        return out

    @cached_property
    def tasks_by_definition(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for task in self.inventory.tasks:
            out.setdefault(task.task_definition_arn, []).append(task)
        return out

    def tags_outcome(self, resource: Resource, tags: Any, path: str = "tags") -> list[Outcome]:
        """Security Hub tagging rule: a non-``aws:`` tag, and every required key present."""
        if resource.unknown and any(u == path or u.startswith(path) for u in resource.unknown):
            return [("error", path, None, f"{path} is not determined by the input")]
        keys = [k for k in tag_map(tags) if not k.startswith("aws:")]
        required = self.policy.required_tags
        missing = [k for k in required if k not in keys]
        if missing:
            return [fail(path, keys, f"missing required tag keys: {', '.join(missing)}")]
        if not keys:
            return [fail(path, [], "no user-defined tags")]
        return [passed(path, keys)]
