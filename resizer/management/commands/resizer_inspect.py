"""manage.py resizer_inspect: what the service makes of a URL, and what storage holds for it."""

from __future__ import annotations

from dataclasses import fields
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from resizer.conf import config
from resizer.core.errors import ResizerError
from resizer.core.formats import AUTO_OUTPUTS
from resizer.core.naming import rendition_name
from resizer.core.spec import DEFAULTS, MEDIA_PREFIX, ParsedURL
from resizer.links import url_for
from resizer.server import headers
from resizer.server.service import expiry, seconds_left
from resizer.stores.base import Objects
from resizer.stores.objects import originals, renditions


def media_part(text: str) -> str:
    """The part after /media/ of a full URL, of an absolute path, or that part itself (as sent)."""
    if "://" in text:
        path = urlsplit(text).path  # the CDN's origin may add a path before /media/
        return path.partition(MEDIA_PREFIX)[2] if MEDIA_PREFIX in path else path.lstrip("/")
    return text.split("?", 1)[0].removeprefix(MEDIA_PREFIX).lstrip("/")


class Command(BaseCommand):
    help = (
        "Show what resizer makes of a URL (https://cdn…/media/…, /media/…, or the part after /media/): "
        "the parsed spec, the canonical URL, whether the signature is valid, the storage keys, and whether "
        "each rendition is stored, with its size and the headers it is served with. Exits non-zero when "
        "the URL would not be served (400, 403, or 404 when neither the original nor a rendition is stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", metavar="URL-or-path")

    def handle(self, *args: object, **options: object) -> None:
        settings = config()
        try:
            parsed = settings.grammar.parse_request(media_part(options["url"]))
        except ResizerError as exc:
            raise CommandError(f"not a rendition URL ({exc.status}): {exc.message}") from None
        self.show_spec(parsed)
        verdict = self.verdict(parsed)
        has_original, has_rendition = self.show_storage(parsed)
        if verdict is None and not config().policy.served(parsed).canonical:
            return  # the 301 was told
        if verdict is None and not (has_original or has_rendition):
            verdict = "the service answers 404: no such original"
            self.line("answer", "404 no such original")
        elif verdict is None:
            self.line("answer", "200 from the stored rendition" if has_rendition else "200, rendered on request")
        if verdict:
            raise CommandError(verdict)

    def line(self, label: str, value: object) -> None:
        self.stdout.write(f"{label + ':':<24} {value}")

    def show_spec(self, parsed: ParsedURL) -> None:
        spec = parsed.spec
        self.line("key", spec.key)
        for field in fields(spec):
            value = getattr(spec, field.name)
            if field.name != "key" and value != DEFAULTS[field.name]:
                self.line(field.name, value)
        canonical = config().policy.served(parsed).canonical  # spelled as the builder writes it
        self.line("canonical", "yes" if canonical else "no (answered 301 to the canonical URL)")
        self.line("canonical URL", url_for(spec))

    def verdict(self, parsed: ParsedURL) -> str | None:
        """Prints the signature's state; returns why the URL would be refused, if it would."""
        policy = config().policy
        if not policy.signing_keys:
            self.line("signature", "not required (no signing key)")
        elif parsed.signature is None:
            self.line("signature", "missing")
        else:
            self.line("signature", "valid" if policy.verify(parsed.path, parsed.signature) else "INVALID")
        left = seconds_left(parsed)
        if left is not None:
            self.line("expires", f"{parsed.expires} ({f'in {int(left)} s' if left > 0 else 'EXPIRED'})")
        try:
            policy.check(parsed)
            expiry(parsed)
        except ResizerError as exc:
            self.line("answer", f"{exc.status} {exc.message}")
            return f"the service answers {exc.status}: {exc.message}"
        served = policy.served(parsed)
        if not served.canonical:
            self.line("answer", f"301 to {served.canonical_url}")
        return None

    def show_storage(self, parsed: ParsedURL) -> tuple[bool, bool]:
        """Whether the original and (any of) the renditions are stored."""
        spec, grammar = parsed.spec, config().grammar
        has_original = self.show_object("original", originals(), spec.key) is not None
        has_rendition = False
        stored = renditions()
        outputs = AUTO_OUTPUTS if spec.format == "auto" else (spec.format,)
        for output in outputs:
            name = rendition_name(grammar, spec, output)
            label = f"rendition ({output or 'default'})" if spec.format == "auto" else "rendition"
            body = self.show_object(label, stored, name, read=True)
            if body is not None:
                has_rendition = True
                reply = headers.image(body, immutable=spec.version is not None, vary=spec.format == "auto")
                for header, value in reply.headers.items():
                    self.line(f"  {header}", value)
        return has_original, has_rendition

    def show_object(self, label: str, objects: Objects, name: str, read: bool = False) -> bytes | None:
        """Prints what the store has at `name`; its bytes when `read`, b"" when only found."""
        try:
            found = objects.stat(name)
        except ResizerError as exc:
            self.line(label, f"{name} (storage error: {exc.message})")
            return None
        if found is None:
            self.line(label, f"{name} (not stored)")
            return None
        self.line(label, f"{name} (stored, {found.size} bytes)")
        for header, value in found.metadata.items():
            self.line(f"  stored {header}", value)
        return objects.read(name) if read else b""
