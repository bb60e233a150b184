"""``ecsguard inventory INPUT...``: load inputs and summarise what the inventory holds."""

from __future__ import annotations

import click
import orjson
from rich.console import Console
from rich.table import Table

from ecsguard.collect.load import load_inputs, parse_parameters
from ecsguard.model import Inventory


def summary(inventory: Inventory) -> dict[str, object]:
    return {
        "inputs": [{"path": i.path, "kind": i.kind} for i in inventory.inputs],
        "account_id": inventory.account_id,
        "collected_at": inventory.collected_at,
        "counts": {k: v for k, v in inventory.counts().items() if v},
        "errors": len(inventory.errors),
    }


def render_summary(inventory: Inventory, console: Console) -> None:
    table = Table(title="Inventory", show_edge=False)
    table.add_column("resource")
    table.add_column("count", justify="right")
    for attr, count in inventory.counts().items():
        if count:
            table.add_row(attr.replace("_", " "), str(count))
    console.print(table)
    kinds = ", ".join(sorted(inventory.kinds)) or "none"
    console.print(
        f"inputs: {len(inventory.inputs)} ({kinds}); account {inventory.account_id or '-'}"
    )
    if inventory.errors:
        console.print(
            f"[yellow]{len(inventory.errors)} collection errors: the inventory is partial[/]"
        )


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option(
    "--parameter",
    "parameters",
    multiple=True,
    metavar="KEY=VALUE",
    help="CloudFormation parameter value (repeatable).",
)
def inventory(inputs: tuple[str, ...], fmt: str, parameters: tuple[str, ...]) -> None:
    """Load INPUT files (snapshot, task definition, CloudFormation, Terraform plan) and summarise."""
    inv = load_inputs(inputs, parse_parameters(parameters))
    if fmt == "json":
        click.echo(orjson.dumps(summary(inv), option=orjson.OPT_INDENT_2).decode())
    else:
        render_summary(inv, Console())
