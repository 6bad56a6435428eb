"""The solution's ribbon buttons, as the shell's command bars show them.

Each `RibbonDiff.xml` adds buttons at a location: `Mscrm.HomepageGrid.<table>...` is
the command bar of the table's list, `Mscrm.Form.<table>...` that of its form. A
button's command names JavaScript functions and the libraries (web resources) that
hold them, with `CrmParameter`s such as PrimaryControl; its enable rules decide
whether it can be clicked. The shell loads exactly the libraries a command names, as
D365 does, so a command that forgets a library fails here as it would there.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from pocc.sandbox.shell.solution_pages import web_resource_name

logger = logging.getLogger(__name__)

ENGLISH = "1033"
# Where a CustomAction's Location says the button goes.
LOCATIONS = {"HomepageGrid": "list", "Form": "form", "SubGrid": "subgrid"}


def read_ribbons(solution_dir: Path) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(table, "list" | "form" | "subgrid") -> the buttons there, in sequence order."""
    buttons: dict[tuple[str, str], list[dict[str, Any]]] = {}

    for path in sorted((solution_dir / "Entities").glob("*/RibbonDiff.xml")):
        root = ElementTree.parse(path).getroot()
        table = path.parent.name.lower()
        labels = _labels(root)
        commands = {
            command.get("Id", ""): command
            for command in root.findall("CommandDefinitions/CommandDefinition")
        }
        rules = {
            rule.get("Id", ""): rule
            for rule in root.findall("RuleDefinitions/EnableRules/EnableRule")
        }

        for action in root.findall("CustomActions/CustomAction"):
            place = _place(action.get("Location", ""))
            button = action.find("CommandUIDefinition/Button")

            if place is None or button is None:
                continue

            command = commands.get(button.get("Command", ""))
            buttons.setdefault((table, place), []).append(
                _button(button, command, rules, labels, action)
            )

    for found in buttons.values():
        found.sort(key=lambda button: button["sequence"])

    return buttons


def _place(location: str) -> str | None:
    parts = location.split(".")
    return LOCATIONS.get(parts[1]) if len(parts) > 1 else None


def _button(
    button: Element,
    command: Element | None,
    rules: dict[str, Element],
    labels: dict[str, str],
    action: Element,
) -> dict[str, Any]:
    actions = [] if command is None else command.findall("Actions/JavaScriptFunction")
    enable_rules = [] if command is None else command.findall("EnableRules/EnableRule")
    return {
        "id": button.get("Id", ""),
        "label": _text(button.get("LabelText", ""), labels),
        "tooltip": _text(button.get("ToolTipDescription", ""), labels),
        "sequence": int(button.get("Sequence") or action.get("Sequence") or 0),
        "command": button.get("Command", ""),
        "commandFound": command is not None,
        "actions": [_function(function) for function in actions],
        "enableRules": [
            rule
            for reference in enable_rules
            for rule in _enable_rule(rules.get(reference.get("Id", "")))
        ],
    }


def _function(function: Element) -> dict[str, Any]:
    return {
        "library": web_resource_name(function.get("Library", "")),
        "function": function.get("FunctionName", ""),
        "parameters": [
            parameter.get("Value", "") for parameter in function.findall("CrmParameter")
        ],
    }


def _enable_rule(rule: Element | None) -> list[dict[str, Any]]:
    if rule is None:
        return []

    found: list[dict[str, Any]] = []

    for state in rule.findall("FormStateRule"):
        found.append(
            {
                "kind": "formState",
                "state": state.get("State", ""),
                "invert": state.get("InvertResult", "false") == "true",
            }
        )

    for custom in rule.findall("CustomRule"):
        found.append(
            {
                "kind": "custom",
                **_function(custom),
                "default": custom.get("Default", "true") == "true",
                "invert": custom.get("InvertResult", "false") == "true",
            }
        )

    return found


def _labels(root: Element) -> dict[str, str]:
    labels = {}

    for label in root.findall("LocLabels/LocLabel"):
        titles = label.findall("Titles/Title")
        english = [title for title in titles if title.get("languagecode") == ENGLISH]
        chosen = (english or titles or [None])[0]

        if chosen is not None:
            labels[label.get("Id", "")] = chosen.get("description", "")

    return labels


def _text(value: str, labels: dict[str, str]) -> str:
    """`$LocLabels:<id>` resolved; plain text as it is."""
    if value.startswith("$LocLabels:"):
        return labels.get(value.removeprefix("$LocLabels:"), value)

    return value
