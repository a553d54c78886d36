"""ReelStack: the machine-learning backbone of a short-video platform."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reelstack")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["__version__", "create_app"]


def create_app(settings=None):
    """Build the HTTP application (see `reelstack.api.app.create_app`)."""
    from reelstack.api.app import create_app as _create_app

    return _create_app(settings)
