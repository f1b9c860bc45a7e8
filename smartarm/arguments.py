"""Argument types of the ``smartarm`` commands: each turns the text of one option into its
value, or stops with a usage error naming what was expected and what was found. Also the
help formatter that shows each option's default."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable

__all__ = [
    "DefaultsHelpFormatter",
    "date",
    "non_negative_integer",
    "positive_integer",
    "positive_number",
]


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends ``(default: ...)`` to an option's help unless the help already says its default
    or there is none to say (``None``, an empty list): "(default: all) (default: None)" read
    as two answers."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "(default:" in text or action.default is None or action.default == []:
            return text
        return super()._get_help_string(action)


def date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {text!r}") from None


def _integer_at_least(minimum: int, expected: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {expected}, found {text!r}")
        return value

    return parse


positive_integer = _integer_at_least(1, "a positive integer")
non_negative_integer = _integer_at_least(0, "a non-negative integer")


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a positive number, found {text!r}")
    return value
