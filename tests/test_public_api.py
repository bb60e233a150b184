"""The declared public API is what we mean it to be."""

import ecsguard
import ecsguard.model


def test_top_level_api() -> None:
    assert sorted(ecsguard.__all__) == ["EcsguardError", "InputError", "__version__"]
    for name in ecsguard.__all__:
        assert hasattr(ecsguard, name)


def test_model_api_exports_exist() -> None:
    for name in ecsguard.model.__all__:
        assert hasattr(ecsguard.model, name), name
