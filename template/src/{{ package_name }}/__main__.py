"""The project's command (``<project> COMMAND`` or ``python -m <package> COMMAND``): the leanops
runtime's command line, serving this package (importing the package bound it to the runtime)."""

from leanops_runtime.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
