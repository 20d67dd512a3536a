"""Find user-facing string literals in our Python code that are not marked for translation.

What a person reads comes from a few places, and those are checked: flash messages
(``messages.success(request, "...")``), ``ValidationError("...")``, the field and admin keywords
(``label``, ``help_text``, ``verbose_name``, ``empty_label``, ``description``...), the
``verbose_name`` of a model's ``Meta`` and the labels of ``TextChoices``/``IntegerChoices``.
A literal there (or an f-string) must be wrapped in ``gettext``/``gettext_lazy``.
"""

from __future__ import annotations

import ast
from pathlib import Path

KEYWORDS = {
    "label",
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "empty_label",
    "short_description",
    "description",
}
MESSAGE_CALLS = {"success", "error", "warning", "info", "debug", "add_message"}
ERROR_CALLS = {"ValidationError"}
META_NAMES = {"verbose_name", "verbose_name_plural"}
CHOICE_BASES = {"TextChoices", "IntegerChoices", "Choices"}


def _literal(node) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and any(c.isalpha() for c in node.value)
    )


def _name(node) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def unmarked_in_source(source: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if (
                name in MESSAGE_CALLS
                and isinstance(node.func, ast.Attribute)
                and _name(node.func.value) == "messages"
            ):
                position = 2 if name == "add_message" else 1
                if len(node.args) > position and _literal(node.args[position]):
                    found.append((node.lineno, f"messages.{name}"))
            if name in ERROR_CALLS and node.args and _literal(node.args[0]):
                found.append((node.lineno, name))
            for keyword in node.keywords:
                if keyword.arg in KEYWORDS and _literal(keyword.value):
                    found.append((node.lineno, keyword.arg))
        elif isinstance(node, ast.ClassDef):
            bases = {_name(base) for base in node.bases}
            for statement in node.body:
                if not isinstance(statement, ast.Assign):
                    continue
                targets = {_name(target) for target in statement.targets}
                if node.name == "Meta" and targets & META_NAMES and _literal(statement.value):
                    found.append((statement.lineno, "Meta." + next(iter(targets & META_NAMES))))
                labelled = bases & CHOICE_BASES and isinstance(statement.value, ast.Tuple)
                if labelled and statement.value.elts and _literal(statement.value.elts[-1]):
                    found.append((statement.lineno, "choice label"))
    return found


def python_files(base: Path) -> list[Path]:
    """Our apps' modules, without migrations (their strings are frozen history)."""
    apps = [p for p in base.iterdir() if p.is_dir() and (p / "apps.py").exists()]
    files = []
    for app in apps:
        files += [
            f for f in app.rglob("*.py") if "migrations" not in f.parts and "tests" not in f.parts
        ]
    return sorted(files)


def report(base: Path) -> dict[str, list[tuple[int, str]]]:
    result = {}
    for path in python_files(base):
        found = unmarked_in_source(path.read_text(encoding="utf-8"))
        if found:
            result[str(path.relative_to(base))] = found
    return result
