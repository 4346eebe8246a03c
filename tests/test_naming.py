"""A rendition's storage name and its inverse (purge reads names back into specs): a round trip."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given

from resizer.core.naming import OPTIMIZED, rendition_name, spec_of
from resizer.core.spec import RenditionSpec
from tests.test_properties import SETTINGS, grammar, specs


@SETTINGS
@given(specs())
def test_the_spec_read_back_from_a_rendition_name_is_the_one_it_was_named_from(spec: RenditionSpec) -> None:
    output = None if spec.format in (None, "auto") else spec.format
    spec = replace(spec, format=output)
    name = rendition_name(grammar, spec, output)
    assert name.startswith(f"{spec.key}/")
    assert "/" not in name[len(spec.key) + 1 :]  # one level under the original: purge lists it so
    assert spec_of(grammar, name) == spec.expanded


def test_a_preset_and_its_expansion_share_one_name_and_no_options_is_the_optimized_rendition() -> None:
    preset = grammar.parse("p_thumb/cat.jpg").spec
    spelled = grammar.parse("w_200/h_200/c_fill/cat.jpg").spec
    assert (
        rendition_name(grammar, preset, None)
        == rendition_name(grammar, spelled, None)
        == "cat.jpg/w_200,h_200,c_fill.jpg"
    )
    assert rendition_name(grammar, grammar.parse("a/b.PNG").spec, None) == f"a/b.PNG/{OPTIMIZED}.png"
    assert rendition_name(grammar, grammar.parse("w_10/f_auto/x.gif").spec, "avif") == "x.gif/w_10,f_avif.avif"
