"""The container image definition, checked by reading it (no Docker engine here).

One image runs the proxy by default and a worker when given `python -m pocc worker`.
These tests read `Dockerfile`, `.dockerignore` and `gunicorn.conf.py` the way
`docker build` would, and run the image's commands with development packages hidden,
as the image lacks them.
"""

from __future__ import annotations

import fnmatch
import json
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

# What the proxy and the worker import or read at run time.
RUNTIME_SOURCES = (
    "app.py",
    "gunicorn.conf.py",
    "pocc",
    "solution",
    "webresources/pocc_",
)


def instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuations joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""

    for line in DOCKERFILE.read_text().splitlines():
        text = line.strip()

        if not text or text.startswith("#"):
            continue

        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue

        keyword, _, arguments = (pending + text).partition(" ")
        found.append((keyword.upper(), arguments.strip()))
        pending = ""

    return found


def arguments_of(keyword: str) -> list[str]:
    return [arguments for name, arguments in instructions() if name == keyword]


def position(keyword: str, predicate: object = None) -> int:
    """Index of the first `keyword` instruction whose arguments satisfy `predicate`."""
    for index, (name, arguments) in enumerate(instructions()):
        if name == keyword and (predicate is None or predicate(arguments)):
            return index

    raise AssertionError(f"no {keyword} instruction matches")


def copy_sources(arguments: str) -> list[str]:
    words = [word for word in shlex.split(arguments) if not word.startswith("--")]
    return [source.rstrip("/") for source in words[:-1]]


def environment() -> dict[str, str]:
    values: dict[str, str] = {}

    for arguments in arguments_of("ENV"):
        for word in shlex.split(arguments):
            name, _, value = word.partition("=")
            values[name] = value

    return values


def gunicorn_port() -> int:
    bind = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"]
    return int(bind.rpartition(":")[2])


def test_one_stage_on_python_311_slim() -> None:
    assert arguments_of("FROM") == ["python:3.11-slim"]


def test_runs_as_a_non_root_user_created_in_the_image() -> None:
    users = arguments_of("USER")

    assert users, "the image must name a USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert any(user in run for run in arguments_of("RUN") if "useradd" in run)
    assert position("USER") < position("CMD")


def test_requirements_are_copied_and_installed_before_the_code() -> None:
    requirements = position("COPY", lambda a: copy_sources(a) == ["requirements.txt"])
    install = position("RUN", lambda a: "pip install" in a)
    first_code = position(
        "COPY", lambda a: any(s in RUNTIME_SOURCES for s in copy_sources(a))
    )

    assert requirements < install < first_code


def test_installs_only_the_pinned_runtime_requirements() -> None:
    installs = [run for run in arguments_of("RUN") if "pip" in run]

    assert len(installs) == 1
    words = shlex.split(installs[0])
    packages = words[words.index("install") + 1 :]
    assert [word for word in packages if not word.startswith("--")] == [
        "-r",
        "requirements.txt",
    ]
    assert "requirements-dev.txt" not in DOCKERFILE.read_text()

    pinned = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert pinned
    assert all("==" in line for line in pinned), "every requirement must be pinned"


def test_copies_what_the_proxy_and_worker_need() -> None:
    copied = {source for a in arguments_of("COPY") for source in copy_sources(a)}

    assert set(RUNTIME_SOURCES) <= copied

    for source in copied:
        assert (ROOT / source).exists(), f"COPY names {source}, which is missing"


def test_dockerignore_keeps_local_state_out_and_the_sources_in() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    for private in (".git", ".venv", ".pocc", "tests", "webresources/node_modules"):
        assert private in patterns

    for source in (*RUNTIME_SOURCES, "requirements.txt"):
        excluded = [p for p in patterns if fnmatch.fnmatch(source, p)]
        assert not excluded, f"{source} is excluded by {excluded}"


def test_exposes_and_listens_on_the_port_gunicorn_conf_binds() -> None:
    port = gunicorn_port()

    assert arguments_of("EXPOSE") == [str(port)]
    # gunicorn.conf.py binds the loopback interface, which nobody outside the
    # container can reach; the image keeps its port on every interface.
    assert environment()["GUNICORN_CMD_ARGS"] == f"--bind=0.0.0.0:{port}"


def test_default_command_is_gunicorn_with_the_projects_settings() -> None:
    commands = arguments_of("CMD")

    assert len(commands) == 1
    # Exec form: gunicorn is PID 1 and gets docker stop's SIGTERM itself.
    assert json.loads(commands[0]) == ["gunicorn", "app:app", "-c", "gunicorn.conf.py"]
    # Without an ENTRYPOINT the same image runs `python -m pocc worker` when told to.
    assert not arguments_of("ENTRYPOINT")


@pytest.mark.parametrize(
    "command",
    [
        ["config", "--new-key"],
        ["worker", "--help"],
        ["serve", "--help"],
        ["solution", "pack", "--help"],
        ["usage", "--help"],
    ],
)
def test_image_commands_run_without_development_packages(command: list[str]) -> None:
    # A None entry in sys.modules makes `import faker` fail, as it does in the image.
    script = (
        "import sys\n"
        "for name in ('faker', 'pytest', 'playwright', 'xmlschema'):\n"
        "    sys.modules[name] = None\n"
        "from pocc.cli import main\n"
        f"sys.exit(main({command!r}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip()
