"""`python -m pocc demo` end to end, twice, as `make demo` runs it on a fresh machine.

The first run seeds, connects, synchronizes, maps two custom fields, sends, syncs a
marketing list, finds duplicates, refreshes the statistics, retrieves the week's
responses, prints the billing figure and cross-checks it all with the Constant
Contact account; the second runs on the state the first left (with `--serve`,
stopped by SIGTERM as Ctrl-C would). Each run takes about 40 seconds.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from pocc.sandbox.process import PROJECT_ROOT

RUN_TIMEOUT_SECONDS = 180


def demo_command(data_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pocc", "demo", "--data", str(data_dir), *extra]


def run_demo(data_dir: Path) -> str:
    finished = subprocess.run(
        demo_command(data_dir),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return finished.stdout


def figure(output: str, label: str) -> int:
    match = re.search(rf"^\s*{re.escape(label)}\s+([\d,]+)\s*$", output, re.MULTILINE)
    assert match, f"{label!r} not in the demo's output"
    return int(match.group(1).replace(",", ""))


@pytest.mark.slow
def test_demo_runs_end_to_end_twice(tmp_path: Path):
    data_dir = tmp_path / "demo"

    first = run_demo(data_dir)

    for number in range(1, 12):
        assert f"[{number}] " in first

    assert "Constant Contact is connected" in first
    assert "agree with the Constant Contact account" in first
    assert "DIFFERS" not in first
    assert "Stopped the worker, the proxy and the sandbox cleanly." in first

    sent = figure(first, "Sent")
    total = figure(first, "Members read (total)")
    assert 0 < sent < total
    assert figure(first, "Skipped: duplicate of another record") > 0
    assert figure(first, "Skipped: inactive record") > 0
    _assert_issue_6_steps(first)
    assert (data_dir / "logs" / "worker.log").exists()
    assert not (data_dir / "sandbox" / "sandbox.json").exists()

    second = _serve_then_stop(data_dir)
    assert "agree with the Constant Contact account" in second
    assert figure(second, "Sent") == sent


def _assert_issue_6_steps(output: str) -> None:
    """Custom fields, list sync, duplicates, responses by kind, the billing figure."""
    assert re.search(r"Anniversary of contact \S+: \d{4}-\d{2}-\d{2}", output)
    assert re.search(r"Lead source of lead \S+: \w+", output)
    assert figure(output, "Added to the Constant Contact list") > 0
    assert figure(output, "Skipped: inactive record") > 0
    assert "planted shared addresses found by Find duplicates" in output

    for kind in ("Opened", "Clicked", "Forwarded", "Opted out", "Bounced"):
        match = re.search(rf"^\s*{kind}\s+([\d,]+)\s", output, re.MULTILINE)
        assert match, kind
        assert int(match.group(1).replace(",", "")) > 0, kind

    assert "opted out responses vs addresses in the optouts report" in output
    assert "records that opted out now refuse bulk email" in output
    assert re.search(r"contoso: 9 enabled users", output)


def _serve_then_stop(data_dir: Path) -> str:
    """A second demo with --serve: it keeps serving until SIGTERM, then exits 0."""
    log = data_dir.parent / "serve.out"

    with log.open("w") as output:
        process = subprocess.Popen(
            demo_command(data_dir, "--serve"),
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )

    try:
        proxy_url = _wait_for_serving(process, log)
        session = requests.Session()
        session.trust_env = False
        answer = session.get(f"{proxy_url}/healthz", timeout=10)
        assert answer.status_code == 200

        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    text = log.read_text()
    assert "Stopped the worker, the proxy and the sandbox cleanly." in text
    return text


def _wait_for_serving(process: subprocess.Popen[str], log: Path) -> str:
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS

    while time.monotonic() < deadline:
        text = log.read_text()
        match = re.search(r"pocc proxy:\s+(http://\S+)", text)

        if match and "Serving." in text:
            return match.group(1)

        assert process.poll() is None, text[-3000:]
        time.sleep(0.5)

    raise AssertionError("the demo never said it was serving")
