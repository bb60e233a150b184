"""ecsguard: compliance posture, PCI scope, lifecycle history and runtime detection for Amazon ECS."""

from ecsguard.errors import EcsguardError, InputError

__version__ = "0.1.0"

__all__ = ["EcsguardError", "InputError", "__version__"]
