"""SmartArm's exceptions.

The hierarchy::

    SmartArmError
    ├── ConfigError            a campaign file or setting is invalid (names file, line, field)
    ├── MigrationError         the schema cannot be brought up to date safely
    ├── DataQualityError       input data failed a gate; retrying will not help
    ├── StateError             the run cannot proceed from what is stored (e.g. a missing day)
    │   └── RunConflict        another run is writing the same window or campaign
    └── WarehouseUnavailable   PostgreSQL could not be reached; retrying may help

The Airflow side maps ``DataQualityError``, ``ConfigError`` and ``StateError`` to a failure
without retry and lets ``WarehouseUnavailable`` retry.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataQualityError",
    "MigrationError",
    "RunConflict",
    "SmartArmError",
    "StateError",
    "WarehouseUnavailable",
]


class SmartArmError(Exception):
    """Base class of every error SmartArm raises on purpose."""


class ConfigError(SmartArmError):
    """A campaign file or setting is invalid; the message names where and why."""


class MigrationError(SmartArmError):
    """The schema cannot be brought up to date (e.g. an applied migration was edited)."""


class DataQualityError(SmartArmError):
    """A batch of input data failed a gate; learning stops and yesterday's allocation stays."""


class StateError(SmartArmError):
    """Stored state does not allow the requested run (e.g. the previous day was never run)."""


class RunConflict(StateError):
    """Another run holds the lock of the same window or campaign; the message names it."""


class WarehouseUnavailable(SmartArmError):
    """PostgreSQL could not be reached."""
