"""Fault plans: which requests meet which fault, as JSON gives them and as checked.

The JSON shape is described in `faults.py`, which applies plans to requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

FAULT_KINDS = ("429", "503", "500", "delay", "drop")
MAX_DELAY_SECONDS = 120.0


class FaultPlanError(ValueError):
    """A fault plan that cannot be applied; the message says which part and why."""


@dataclass(frozen=True)
class FaultRule:
    path: str
    fault: str
    share: float = 1.0
    methods: tuple[str, ...] = ()
    retry_after: int | None = None
    delay_seconds: float = 1.0
    times: int | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.methods and method not in self.methods:
            return False

        return re.search(self.path, path) is not None

    def describe(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "fault": self.fault,
            "share": self.share,
            "methods": list(self.methods),
            "retry_after": self.retry_after,
            "delay_seconds": self.delay_seconds,
            "times": self.times,
        }


@dataclass(frozen=True)
class FaultPlan:
    seed: int
    rules: tuple[FaultRule, ...]


def parse_plan(payload: Any) -> FaultPlan:
    """Validate a plan as JSON gives it; FaultPlanError names the first problem."""
    if not isinstance(payload, dict):
        raise FaultPlanError(
            'a fault plan is a JSON object: {"seed": N, "rules": [...]}'
        )

    unknown = set(payload) - {"seed", "rules"}

    if unknown:
        raise FaultPlanError(f"unknown fault plan keys: {sorted(unknown)}")

    seed = payload.get("seed", 0)
    rules = payload.get("rules", [])

    if isinstance(seed, bool) or not isinstance(seed, int):
        raise FaultPlanError("seed must be an integer")

    if not isinstance(rules, list):
        raise FaultPlanError("rules must be a list")

    return FaultPlan(seed, tuple(_parse_rule(i, rule) for i, rule in enumerate(rules)))


def _parse_rule(index: int, rule: Any) -> FaultRule:
    where = f"rules[{index}]"

    if not isinstance(rule, dict):
        raise FaultPlanError(f"{where} must be an object")

    unknown = set(rule) - set(FaultRule.__dataclass_fields__)

    if unknown:
        raise FaultPlanError(f"{where} has unknown keys: {sorted(unknown)}")

    path = rule.get("path")

    if not isinstance(path, str):
        raise FaultPlanError(f"{where}.path must be a regular expression string")

    try:
        re.compile(path)
    except re.error as error:
        raise FaultPlanError(f"{where}.path is not a valid regex: {error}") from error

    fault = str(rule.get("fault", ""))

    if fault not in FAULT_KINDS:
        raise FaultPlanError(f"{where}.fault must be one of {', '.join(FAULT_KINDS)}")

    share = _number(rule, "share", 1.0, where)
    delay_seconds = _number(rule, "delay_seconds", 1.0, where)
    retry_after = _optional_count(rule, "retry_after", where)
    times = _optional_count(rule, "times", where)
    methods = rule.get("methods", [])

    if not 0.0 <= share <= 1.0:
        raise FaultPlanError(f"{where}.share must be between 0 and 1")

    if not 0.0 <= delay_seconds <= MAX_DELAY_SECONDS:
        raise FaultPlanError(f"{where}.delay_seconds must be 0 to {MAX_DELAY_SECONDS}")

    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise FaultPlanError(f"{where}.methods must be a list of HTTP methods")

    return FaultRule(
        path=path,
        fault=fault,
        share=share,
        methods=tuple(m.upper() for m in methods),
        retry_after=retry_after,
        delay_seconds=delay_seconds,
        times=times,
    )


def _number(rule: dict[str, Any], key: str, default: float, where: str) -> float:
    value = rule.get(key, default)

    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultPlanError(f"{where}.{key} must be a number")

    return float(value)


def _optional_count(rule: dict[str, Any], key: str, where: str) -> int | None:
    value = rule.get(key)

    if value is None:
        return None

    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FaultPlanError(f"{where}.{key} must be a whole number, 0 or more")

    return value
