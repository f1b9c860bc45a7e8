"""``smartarm paper`` and ``smartarm simulate``: the policy study from the command line."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the study sub-commands to the ``smartarm`` parser."""
