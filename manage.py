#!/usr/bin/env python
"""Django's command-line utility for the resizer service."""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line

    from settings.bootstrap import bootstrap

    bootstrap(server=False)
    execute_from_command_line(sys.argv)
