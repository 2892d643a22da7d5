"""doctor's DuckDB pin check: PEP 440 specifiers as `packaging` reads them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tracker.ops import doctor

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "version, spec, ok",
    [
        ("2.0.2.dev41", ">=2.0.1,<2.1", True),  # a DuckDB built from source inside the range
        ("2.1.0rc1", ">=2.0.1,<2.1", False),  # `<2.1` excludes 2.1's pre-releases (PEP 440)
        ("2.0.5", "==2.0", False),  # == is the exact version, not a prefix
        ("2.0.5", "==2.0.*", True),
        ("2.0.1", ">=2.0.1,!=2.0.1", False),
        ("not-a-version", ">=2.0.1", False),
    ],
)
def test_version_specifiers(version, spec, ok):
    assert doctor._satisfies(version, spec) is ok


def test_duckdb_pin_is_the_one_in_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (want,) = [Requirement(d).specifier for d in deps if Requirement(d).name == "duckdb"]
    assert doctor.duckdb_pin() is not None
    assert Requirement(f"duckdb{doctor.duckdb_pin()}").specifier == want
