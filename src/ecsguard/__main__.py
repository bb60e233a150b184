"""``python -m ecsguard`` runs the CLI."""

import sys

from ecsguard.cli import main

sys.exit(main())
