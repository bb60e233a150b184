"""Coverage-guided fuzzing of the input loaders: ECSGUARD_FUZZ_RUNS cases each (10,000 in CI)."""

from pathlib import Path

import pytest
from tests.fuzz._atheris import run_target


@pytest.mark.parametrize("target", ["snapshot", "taskdef", "cloudformation", "terraform"])
def test_loader_target(target: str, tmp_path: Path) -> None:
    run_target(target, tmp_path)
