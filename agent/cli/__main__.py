"""``python -m agent.cli`` runs the command line (the demo uses it to start the real CLI)."""

from __future__ import annotations

import sys

from agent.cli import main

sys.exit(main())
