"""Coverage-guided fuzzing of the OCSF event path and the rule-condition parser."""

from pathlib import Path

import pytest
from tests.fuzz._atheris import run_target


@pytest.mark.parametrize("target", ["ocsf", "condition"])
def test_runtime_target(target: str, tmp_path: Path) -> None:
    run_target(target, tmp_path)
