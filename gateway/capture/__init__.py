"""Message capture: what passes routes and heap objects, written off the event loop to per-route files."""

from gateway.capture.decorator import CaptureDecorator
from gateway.capture.install import Capture, install_capture

__all__ = ["Capture", "CaptureDecorator", "install_capture"]
