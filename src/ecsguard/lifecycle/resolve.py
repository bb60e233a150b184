"""What ``ecsguard diff`` compares: files, stored runs, or task-definition revisions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from ecsguard.collect.load import load_inputs
from ecsguard.errors import InputError
from ecsguard.model import Inventory, Resource
from ecsguard.store import Store, open_store

REVISION = re.compile(r"^[A-Za-z0-9_-]{1,255}:\d+$")
RUN = re.compile(r"^run:(\d+)$|^(\d+)$")


class Side(msgspec.Struct, kw_only=True):
    label: str
    inventory: Inventory | None = None
    record: Resource | None = None


class Stores:
    """Opens the store only when a reference needs it."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._store: Store | None = None

    def get(self) -> Store:
        if self._store is None:
            self._store = open_store(self.url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


@contextmanager
def stores(url: str | None) -> Iterator[Stores]:
    holder = Stores(url)
    try:
        yield holder
    finally:
        holder.close()


def resolve(ref: str, holder: Stores, inputs: tuple[str, ...] = ()) -> Side:
    if ref == "-" or Path(ref).exists():
        return Side(label=ref, inventory=load_inputs([ref]))
    if ref in ("latest", "previous"):
        runs = holder.get().runs(limit=2)
        index = -1 if ref == "latest" else -2
        if len(runs) < -index:
            raise InputError(ref, None, f"the store has no {ref} run")
        return _run(holder.get(), runs[index].id)
    match = RUN.match(ref)
    if match:
        return _run(holder.get(), int(match.group(1) or match.group(2)))
    if REVISION.match(ref):
        return _revision(ref, holder, inputs)
    raise InputError(
        ref,
        None,
        "not a file, a stored run (run:N, latest, previous) or a task-definition revision "
        "(family:REV)",
    )


def _run(store: Store, run_id: int) -> Side:
    try:
        return Side(label=f"run:{run_id}", inventory=store.inventory_at(run_id))
    except KeyError:
        raise InputError(f"run:{run_id}", None, "no such run in the store") from None


def _revision(ref: str, holder: Stores, inputs: tuple[str, ...]) -> Side:
    if inputs:
        record = load_inputs(list(inputs)).task_definition(ref)
        if record is None:
            raise InputError(ref, None, f"no task definition {ref} in {', '.join(inputs)}")
        return Side(label=ref, record=record)
    store = holder.get()
    versions = store.resource_versions(ref, attr="task_definitions")
    found = store.resource_record(versions[-1]) if versions else None
    if found is None:
        raise InputError(ref, None, "no such task-definition revision in the store")
    return Side(label=ref, record=found)
