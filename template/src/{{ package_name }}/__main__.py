"""``python -m <package>`` runs the project CLI."""

from .mlops.cli import main

raise SystemExit(main())
