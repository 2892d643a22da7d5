"""The layer contract (pyproject.toml [tool.importlinter], checked by `make lint`) covers the tree.

import-linter checks only the modules a contract names: a new folder under tracker/ that nobody
adds to the layers would be free to import anything. This keeps the contract and the tree in step.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _layer_modules() -> list[str]:
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    return [name.strip() for layer in layers["layers"] for name in re.split(r"[|:]", layer)]


def _top_level_modules() -> set[str]:
    found = {"dashboards"}
    for path in (ROOT / "tracker").iterdir():
        if path.is_dir() and (path / "__init__.py").exists():
            found.add(f"tracker.{path.name}")
        elif path.suffix == ".py" and path.stem != "__init__":
            found.add(f"tracker.{path.stem}")
    return found


def test_every_top_level_module_has_a_layer():
    assert _top_level_modules() - set(_layer_modules()) == set()


def test_the_layers_name_only_modules_that_exist():
    assert set(_layer_modules()) - _top_level_modules() == set()


def test_architecture_page_names_every_layer():
    page = (ROOT / "docs" / "architecture.md").read_text()
    for module in _top_level_modules():
        path = module.replace(".", "/")
        assert f"`{path}/`" in page or f"`{path}.py`" in page or f"{Path(path).name}.py" in page, module
