"""The Constant Contact sandbox's tunable limits, with the real service's figures.

Values live in `context.settings["constantcontact"]` (so the server's own settings
endpoint can show and change them) and fall back to the defaults below, which are the
real service's figures (reference notes, sections 2 and 3). Tests lower or raise them
through `PATCH /_sandbox/constantcontact/settings`.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # Per application: 4 requests a second, 10,000 a day reset at midnight UTC.
    "requests_per_second": 4,
    "requests_per_day": 10_000,
    # Access tokens live 24 hours; refresh tokens die after 180 idle days.
    "access_token_seconds": 86_400,
    "refresh_token_idle_days": 180,
    # Authorization codes are single use and live about 5 minutes.
    "authorization_code_seconds": 300,
    # Bulk activities: items handled per background step and the pause between steps.
    "activity_items_per_step": 5_000,
    "activity_step_seconds": 0.1,
    # True holds every activity in `initialized` (to observe queues in tests).
    "activities_paused": False,
    # More queued (initialized or processing) activities than this answer 429.
    "max_queued_activities": 1_000,
}

SECTION = "constantcontact"


class SettingsError(ValueError):
    """A settings change names an unknown key or a value of the wrong type."""


class Settings:
    """A view of the Constant Contact section of the sandbox's shared settings."""

    def __init__(self, shared: dict[str, Any]) -> None:
        # Declaring every key with its default lets the server's own settings
        # endpoint (`PATCH /_sandbox/settings {"constantcontact": {...}}`) see and
        # type-check them too.
        self._shared = shared
        section = shared.setdefault(SECTION, {})

        for key, value in DEFAULTS.items():
            section.setdefault(key, value)

    def __getitem__(self, key: str) -> Any:
        section = self._shared.get(SECTION) or {}
        return section.get(key, DEFAULTS[key])

    def as_dict(self) -> dict[str, Any]:
        return {key: self[key] for key in DEFAULTS}

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply changes after checking every key and type; all or nothing."""
        for key, value in changes.items():
            check_setting(key, value)

        section = dict(self._shared.get(SECTION) or {})
        section.update(changes)
        self._shared[SECTION] = section
        return self.as_dict()

    def reset(self) -> dict[str, Any]:
        self._shared[SECTION] = dict(DEFAULTS)
        return self.as_dict()


def check_setting(key: str, value: Any) -> None:
    if key not in DEFAULTS:
        raise SettingsError(f"unknown Constant Contact setting {key!r}")

    expected = type(DEFAULTS[key])

    if expected is bool:
        valid = isinstance(value, bool)
    elif expected is float:
        valid = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        valid = isinstance(value, int) and not isinstance(value, bool)

    if not valid or (not isinstance(value, bool) and value < 0):
        raise SettingsError(
            f"setting {key!r} must be a non-negative {expected.__name__}"
        )
