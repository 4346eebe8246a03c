"""Logging pieces the service's settings wire up (see docs/operations.md, "Observability")."""

from __future__ import annotations

import logging


class UncaughtOnly(logging.Filter):
    """For `django.request`: keep unhandled exceptions (500, with their traceback), drop the rest.

    Django logs every 4xx and 5xx it returns ("Bad Request: /media/w_abc/…"); for media requests
    the service's own JSON access line already says that, once, with more. Unknown URLs (404)
    are scanners' noise, not ours to page anyone about.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR and record.exc_info is not None
