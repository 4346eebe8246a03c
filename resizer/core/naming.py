"""A rendition's storage name, derived from its spec alone (no signature), and its inverse.

All renditions of one original live under `<original key>/`, so that they can be listed and
purged; the name carries the canonical options and the resolved output format.
"""

from __future__ import annotations

from resizer.core import formats
from resizer.core.spec import SEPARATOR, Grammar, RenditionSpec

OPTIMIZED = "optimized"  # the rendition name of a URL without options


def rendition_name(grammar: Grammar, spec: RenditionSpec, output: str | None) -> str:
    """Storage key of a rendition: under `<original key>/`, named by its options and format.

    The options are the canonical segments of the expanded spec (presets resolved, no signature).
    `output` is the format asked for (f_, or f_auto resolved), None for the default (the
    original's own, which only its bytes can tell): a default rendition is named after the
    original's extension and never shares a name with an explicit one, even where the original's
    content disagrees with its name.
    """
    named = [part for part in grammar.option_parts(spec.expanded) if not part.startswith("f_")]
    if output is not None:
        named.append(f"f_{output}")
    return f"{spec.key}/{','.join(named) or OPTIMIZED}.{output or formats.for_extension(spec.key)}"


def spec_of(grammar: Grammar, name: str) -> RenditionSpec:
    """The spec a rendition name was made from: rendition_name backwards (purge lists names)."""
    key, _, leaf = name.rpartition("/")
    stem = leaf.rpartition(".")[0]
    options = [] if stem == OPTIMIZED else stem.split(",")
    return grammar.parse("/".join([*options, SEPARATOR, key])).spec
