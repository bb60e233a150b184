"""Regenerate the bundled sample snapshots: ``python -m ecsguard.sample.build [OUT_DIR]``.

Starts a moto server on 127.0.0.1, builds the estate generation by generation, and after
each one runs ``ecsguard collect --endpoint-url ...`` (the real command, as a subprocess).
``collected_at`` is then pinned to a weekly date so the files form a stable history, and moto's
out-of-subnet task ENI addresses are repaired (``moto_fixups``).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from ecsguard.sample.estate import GENERATIONS, apply_generation, build_estate
from ecsguard.sample.moto_fixups import repair_task_enis
from ecsguard.testing import TEST_CREDENTIALS, moto_server

DATA = Path(__file__).resolve().parent / "data"
FIRST_COLLECTION = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
CLI = "import sys; from ecsguard.cli import main; sys.exit(main())"


def collect_snapshot(url: str, out: Path, *extra: str) -> int:
    """Run ``ecsguard collect`` against ``url``; returns its exit code."""
    env = {**os.environ, **TEST_CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}
    env.pop("AWS_PROFILE", None)
    command = [
        sys.executable,
        "-c",
        CLI,
        "collect",
        "--endpoint-url",
        url,
        "--regions",
        "us-east-1",
        "--max-attempts",
        "2",
        "-o",
        str(out),
        *extra,
    ]
    return subprocess.run(command, env=env, check=False).returncode


def write_bundle(raw: Path, target: Path, generation: int) -> None:
    doc = orjson.loads(raw.read_bytes())
    repair_task_enis(doc)
    when = FIRST_COLLECTION + timedelta(days=7 * generation)
    doc["collected_at"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    target.write_bytes(gzip.compress(orjson.dumps(doc), compresslevel=9, mtime=0))


def build_all(out_dir: Path = DATA) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with moto_server() as url:
        estate = build_estate(str(url))
        for generation in range(len(GENERATIONS) + 1):
            if generation:
                apply_generation(estate, generation)
            raw = out_dir / f".gen{generation}.json"
            code = collect_snapshot(str(url), raw)
            if code != 0:
                raise SystemExit(f"collect exited {code} at generation {generation}")
            target = out_dir / f"snapshot-gen{generation}.json.gz"
            write_bundle(raw, target, generation)
            raw.unlink()
            written.append(target)
        # The latest generation once more with every revision, for checks on old revisions.
        raw = out_dir / ".all.json"
        if collect_snapshot(str(url), raw, "--all-revisions") != 0:
            raise SystemExit("collect --all-revisions failed")
        every = out_dir / "snapshot-all-revisions.json.gz"
        write_bundle(raw, every, len(GENERATIONS))
        raw.unlink()
    latest = out_dir / "snapshot.json.gz"
    latest.write_bytes(written[-1].read_bytes())
    return [*written, latest, every]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    for path in build_all(Path(args[0]) if args else DATA):
        print(f"{path} {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
