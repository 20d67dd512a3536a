"""The house's import contract (pyproject.toml, import-linter): lower floors never import
higher ones, every module of the project package has a floor, and a wrong-way import fails."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _layer_modules() -> list[str]:
    (contract,) = _config()["contracts"]
    return [name.strip() for layer in contract["layers"] for name in layer.split(":")]


def _run(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_every_app_and_project_module_has_a_floor():
    apps = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))
    project = sorted(
        f"mentoring.{p.stem}"
        for p in (ROOT / "mentoring").iterdir()
        if p.stem != "__init__" and (p.suffix == ".py" or (p / "__init__.py").exists())
    )
    listed = _layer_modules()
    assert sorted(_config()["root_packages"]) == apps
    assert sorted(m for m in listed if m.startswith("mentoring.")) == project
    assert sorted(m for m in listed if "." not in m) == sorted(set(apps) - {"mentoring"})
    assert len(listed) == len(set(listed))


def test_the_checkout_keeps_the_contract():
    result = _run(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_a_wrong_way_import_breaks_the_contract(tmp_path):
    for package in _config()["root_packages"]:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=lambda folder, names: [
                n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()
            ],
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "programs" / "wrong_way.py").write_text("from evaluation import models\n")
    result = _run(tmp_path)
    assert result.returncode == 1
    assert "programs is not allowed to import evaluation" in result.stdout
    assert "programs.wrong_way -> evaluation.models (l.1)" in result.stdout
