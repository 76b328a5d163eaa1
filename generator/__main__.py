"""``python -m generator`` runs the ``leanops`` command."""

from .cli import main

raise SystemExit(main())
