"""Django system checks for the RESIZER_* settings of any site (`manage.py check`).

Ids are stable: resizer.E001 a setting with a bad value or an unknown RESIZER_* name, E002 both
signing settings set, E003 an allowed width over the maximum dimension, E004 a bucket without
its pair, E005 presets that do not parse. Each message names the setting and echoes the value
(never a secret's).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from resizer.conf import given, grammar
from resizer.core.config import APP, BY_NAME, SettingError, read, unknown


@register()
def resizer_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    raw = given()
    for name, value in raw.items():  # each bad value, not just the first
        try:
            BY_NAME[name].read(value)
        except SettingError as exc:
            errors.append(Error(str(exc), id=f"resizer.{exc.code}"))
    try:
        unknown(name for name in dir(settings) if name.isupper())
    except SettingError as exc:
        errors.append(Error(str(exc), id=f"resizer.{exc.code}"))
    if errors:
        return errors
    try:
        values = read(raw, scope=(APP,))
        grammar(values)
    except SettingError as exc:
        errors.append(Error(str(exc), id=f"resizer.{exc.code}"))
    except Exception as exc:  # ImproperlyConfigured from the presets
        errors.append(Error(str(exc), id="resizer.E005"))
    return errors
