"""``python run_reference.py COMMAND...``: the command line of the reference team package, with
the library's default features in place of the team's ``features.py``.

The library's subprocess tests run the pipeline on the reference configuration, whose columns
a team's own features may not know (see ``conftest.py`` here).
"""

from __future__ import annotations

import sys

from _package import lib, load


def main(argv: list[str]) -> int:
    """Run the command ``argv`` with the default features."""
    load("features").build_features = lib("features").default_preprocessor
    return int(lib("cli").main(argv))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
