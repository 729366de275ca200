"""ipcamd: a software IP camera and video server with a VAPIX-v2-style HTTP API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ipcamd")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

PRODUCT = "ipcamd"
