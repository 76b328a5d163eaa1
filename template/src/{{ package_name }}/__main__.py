"""``python -m <package>`` runs the project CLI."""

from .cli import main

raise SystemExit(main())
