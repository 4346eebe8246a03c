"""An editor's crop box and focal point on the model side: the fields' validation and canonical
text, the field's options and checks, and the cr_/g_fp: a framing adds to a URL."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.test.utils import isolate_apps

from resizer.fields import CropField, FocusField, ImageField
from resizer.framing import Framing, parse_crop, parse_focus, turned_box, turned_point, within


class Framed(models.Model):
    image = ImageField(crop_field="crop", focus_field="focus")
    crop = CropField()
    focus = FocusField()

    class Meta:
        app_label = "resizer"


def cleaned(**values: str) -> Framed:
    photo = Framed(image="a.jpg", **values)
    photo.full_clean(exclude=["image"])
    return photo


@pytest.mark.parametrize(
    ("crop", "focus", "stored"),
    [
        ("0.1:0.2:0.5:0.5", "0.3:0.4", ("0.1:0.2:0.5:0.5", "0.3:0.4")),
        (".5:0:.50:1", "+0.25:0.8000", ("0.5:0:0.5:1", "0.25:0.8")),  # any spelling, kept canonical
        (" 0.1234 : 0 : 0.8766 : 1 ", "1:0", ("0.1234:0:0.8766:1", "1:0")),
        ("0:0:1:1", "0.5:0.5", ("", "")),  # the whole picture and the centre are the defaults: none
        ("", "", ("", "")),
    ],
)
def test_valid_values_are_kept_in_their_canonical_spelling(crop: str, focus: str, stored: tuple) -> None:
    photo = cleaned(crop=crop, focus=focus)
    assert (photo.crop, photo.focus) == stored
    # And what is saved is canonical too, however it was set (not only through a form).
    fields = Framed._meta
    assert (fields.get_field("crop").get_prep_value(crop), fields.get_field("focus").get_prep_value(focus)) == stored


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"crop": "0.6:0:0.5:1"}, "crop", "inside the picture"),
        ({"crop": "0:0.5:1:0.6"}, "crop", "inside the picture"),
        ({"crop": "0:0:0:1"}, "crop", "over 0"),
        ({"crop": "0:0:1.5:1"}, "crop", "x:y:w:h"),
        ({"crop": "0.12345:0:0.5:1"}, "crop", "at most 4 decimals"),
        ({"crop": "0:0:1"}, "crop", "x:y:w:h"),
        ({"crop": "-0.1:0:0.5:1"}, "crop", "x:y:w:h"),
        ({"crop": "a:b:c:d"}, "crop", "x:y:w:h"),
        ({"focus": "1.5:0"}, "focus", "x:y"),
        ({"focus": "0.5"}, "focus", "x:y"),
        ({"focus": "0.5:0.5:0.5"}, "focus", "x:y"),
        ({"focus": "0.00001:0"}, "focus", "at most 4 decimals"),
    ],
)
def test_invalid_values_are_refused_with_a_reason(values: dict, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        cleaned(**values)
    assert list(caught.value.message_dict) == [field]
    assert message in caught.value.message_dict[field][0]
    with pytest.raises(ValidationError, match=message):  # a save, without full_clean, refuses it too
        Framed._meta.get_field(field).get_prep_value(values[field])


def test_the_fields_deconstruct_to_what_was_written() -> None:
    assert CropField().deconstruct()[3] == {}
    assert FocusField(help_text="Where the face is").deconstruct()[3] == {"help_text": "Where the face is"}
    kwargs = Framed._meta.get_field("image").deconstruct()[3]
    assert (kwargs["crop_field"], kwargs["focus_field"]) == ("crop", "focus")
    assert "crop_field" not in ImageField().deconstruct()[3]


@isolate_apps("resizer")  # kept out of the app registry: `manage.py check` in other tests must not see it
def test_the_field_check_names_a_missing_or_wrong_framing_field() -> None:
    class Wrong(models.Model):
        image = ImageField(crop_field="box", focus_field="point")
        point = models.CharField(max_length=20)

        class Meta:
            app_label = "resizer"

    errors = Wrong._meta.get_field("image").check()
    assert [(e.id, e.msg) for e in errors] == [
        ("resizer.E006", "crop_field='box' names no CropField of Wrong."),
        ("resizer.E006", "focus_field='point' names no FocusField of Wrong."),
    ]
    assert Framed._meta.get_field("image").check() == []


def test_a_framing_is_read_from_the_instance_without_the_file() -> None:
    photo = Framed(image="a.jpg", crop="0.1:0.2:0.5:0.5", focus="0.3:0.4")
    assert Framing.of(photo.image) == Framing((D("0.1"), D("0.2"), D("0.5"), D("0.5")), (D("0.3"), D("0.4")))
    assert Framing.of(Framed(image="a.jpg").image) is None  # both defaults: nothing to add
    assert Framing.of("a.jpg") is None
    photo.crop = "nonsense"  # set past validation, say by raw SQL: named, not silently dropped
    with pytest.raises(ValueError, match=r"Framed None: crop: expected x:y:w:h"):
        Framing.of(photo.image)


def test_parse_turns_the_defaults_into_none() -> None:
    assert parse_crop("0:0:1:1") is None and parse_crop("") is None and parse_crop(None) is None
    assert parse_focus("0.5:0.5") is None and parse_focus("  ") is None


def test_a_focal_point_is_made_relative_to_the_crop_and_kept_inside_it() -> None:
    region = (D("0.1"), D("0.2"), D("0.5"), D("0.5"))
    assert within((D("0.3"), D("0.4")), region) == (D("0.4"), D("0.4"))
    assert within((D("0.9"), D("0")), region) == (D("1"), D("0"))  # outside: its nearest edge
    assert within((D("0.3333"), D("0.5")), (D(0), D(0), D("0.3"), D(1))) == (D("1"), D("0.5"))
    assert within((D("0.1"), D("0.5")), (D(0), D(0), D("0.3"), D(1))) == (D("0.3333"), D("0.5"))  # 4 decimals
    assert within((D("0.3"), D("0.4")), None) == (D("0.3"), D("0.4"))


def test_boxes_and_points_follow_rotation_and_flip() -> None:
    box = (D("0.1"), D("0.2"), D("0.5"), D("0.3"))
    point = (D("0.2"), D("0.3"))  # inside the box, at its top-left quarter
    assert turned_box(box, 90, None) == (D("0.5"), D("0.1"), D("0.3"), D("0.5"))
    assert turned_box(box, 180, None) == (D("0.4"), D("0.5"), D("0.5"), D("0.3"))
    assert turned_box(box, 270, None) == (D("0.2"), D("0.4"), D("0.3"), D("0.5"))
    assert turned_box(box, 0, "h") == (D("0.4"), D("0.2"), D("0.5"), D("0.3"))
    assert turned_box(box, 90, "h") == (D("0.2"), D("0.1"), D("0.3"), D("0.5"))
    for rotate in (0, 90, 180, 270):
        for flip in (None, "h"):
            # The point stays where it was in the box, whatever the turn: the same pixel.
            x, y, w, h = turned_box(box, rotate, flip)
            px, py = turned_point(point, rotate, flip)
            assert x <= px <= x + w and y <= py <= y + h
    assert turned_point(point, 90, None) == (D("0.7"), D("0.2"))
