"""What the operator's commands share: a progress bar on a terminal, a summary, failures counted."""

from __future__ import annotations

import sys
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm


def add_originals_arguments(parser: CommandParser) -> None:
    """KEY… and --prefix: which originals a command works on."""
    parser.add_argument("keys", nargs="*", metavar="KEY", help="an original's key, e.g. photos/cat.jpg")
    parser.add_argument("--prefix", action="append", default=[], help="every original whose key starts with this")


def progress(total: int, what: str) -> tqdm:
    # Drawn on a terminal only (disable=None): in logs and CI the per-failure lines and the
    # summary say it all, without carriage-return noise.
    return tqdm(total=total, desc=what, unit="", disable=None, file=sys.stderr, leave=False)


class Tally:
    """Counts outcomes, prints failures as they happen and the summary at the end."""

    def __init__(self, command: BaseCommand, name: str) -> None:
        self.command = command
        self.name = name
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()

    def add(self, outcome: str, count: int = 1) -> None:
        self.counts[outcome] += count

    def fail(self, what: str, why: object) -> None:
        self.counts["failed"] += 1
        if isinstance(why, Exception):  # our errors carry a public message; anything else, its type
            why = getattr(why, "message", None) or f"{type(why).__name__}: {why}"
        self.command.stderr.write(f"failed  {what}: {why}")

    def finish(self, *order: str) -> None:
        """Print `name: 3 rendered, 1 failed in 0.4 s`; exit non-zero when anything failed."""
        parts = [f"{self.counts[outcome]} {outcome}" for outcome in (*order, "failed")]
        elapsed = time.monotonic() - self.started
        self.command.stdout.write(f"{self.name}: {', '.join(parts)} in {elapsed:.1f} s")
        if self.counts["failed"]:
            raise CommandError(f"{self.counts['failed']} failed")
