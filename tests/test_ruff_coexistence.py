"""ruff and this plugin in one project: ruff's unused-noqa fix (RUF100, and RUF102 for codes it does
not know) deletes ``# noqa: AIO...`` comments unless ``lint.external = ["AIO"]`` tells it those codes
belong to another tool.  The README's recipe is that setting; these tests run the real ruff (a test
dependency) on both configurations."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rules_by_name import code

RUFF = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
NOQA = f"# noqa: {code('unawaited-coroutine')}"
SOURCE = f"async def fetch():\n    return 1\n\n\nasync def main():\n    fetch()  {NOQA}\n"
RUFF_CONFIG = '[tool.ruff.lint]\nextend-select = ["RUF100", "RUF102"]\npreview = true\n'

pytestmark = pytest.mark.skipif(not Path(RUFF).exists(), reason="ruff (a test dependency) is not installed")


def _project(tmp_path: Path, external: bool) -> Path:
    config = RUFF_CONFIG + ('external = ["AIO"]\n' if external else "")
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    app = tmp_path / "app.py"
    app.write_text(SOURCE, encoding="utf-8")
    return app


def _ruff(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [RUFF, "check", "--no-cache", *args, "."], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def _codes(tmp_path: Path) -> set[str]:
    report = _ruff(tmp_path, "--output-format=json")
    return {item["code"] for item in json.loads(report.stdout)}


def test_with_external_ruff_keeps_the_noqa_and_reports_nothing_about_it(tmp_path):
    app = _project(tmp_path, external=True)
    assert _codes(tmp_path).isdisjoint({"RUF100", "RUF102"})
    _ruff(tmp_path, "--fix")
    assert NOQA in app.read_text(encoding="utf-8")


def test_without_external_ruff_deletes_the_noqa(tmp_path):
    app = _project(tmp_path, external=False)
    assert _codes(tmp_path) & {"RUF100", "RUF102"}, "ruff no longer flags unknown noqa codes"
    _ruff(tmp_path, "--fix")
    assert NOQA not in app.read_text(encoding="utf-8")
