"""dashboards/ draws what it is given: building a page never loads DuckDB or the store."""

from __future__ import annotations

import subprocess
import sys


def test_dashboards_import_neither_duckdb_nor_the_store():
    code = (
        "import sys, dashboards.report, dashboards.figures\n"
        "print(sorted(m for m in sys.modules if m == 'duckdb' or m.startswith(('tracker.store', 'tracker.usecases'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
