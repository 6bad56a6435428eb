"""The `python -m pocc` command line, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys

from tests.sandbox_process import PROJECT_ROOT


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pocc", *arguments],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_sandbox_help_names_its_options() -> None:
    result = run_cli("sandbox", "--help")

    assert result.returncode == 0
    for option in ("--port", "--data", "--org"):
        assert option in result.stdout
    assert "8443" in result.stdout


def test_sandbox_refuses_an_org_name_that_cannot_be_a_url_segment() -> None:
    result = run_cli("sandbox", "--org", "../etc", "--port", "0")

    assert result.returncode == 2
    assert "invalid org name" in result.stderr


def test_no_subcommand_is_a_usage_error() -> None:
    result = run_cli()

    assert result.returncode == 2
    assert "usage:" in result.stderr
