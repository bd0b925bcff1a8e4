"""``python -m release_gate.testing STATE``: serve a snapshot as a fake GitHub until interrupted."""

from release_gate.testing.cli import main

raise SystemExit(main())
