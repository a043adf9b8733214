"""Data flows one way (DESIGN.md): seizures and hashrate never import dashboard; it subscribes to their signals."""

import ast
from pathlib import Path

import pytest

from hashrate.signals import dataset_changed
from seizures.signals import ledger_changed

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", ["seizures", "hashrate"])
def test_the_app_never_imports_dashboard(app):
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / app).rglob("*.py"))
        if any(name == "dashboard" or name.startswith("dashboard.") for name in imported_modules(path))
    ]

    assert offenders == []


def test_dashboard_subscribes_to_both_apps_signals():
    assert any("dashboard" in str(receiver[0]) for receiver in ledger_changed.receivers)
    assert any("dashboard" in str(receiver[0]) for receiver in dataset_changed.receivers)
