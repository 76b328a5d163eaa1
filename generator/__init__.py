"""leanops: render and update lightweight MLOps projects from this Copier template."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("leanops")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
