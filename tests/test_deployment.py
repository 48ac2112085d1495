"""Dockerfile, compose.yaml, the systemd unit and LICENSE call what exists and say what pyproject says.

Nothing is built here (no Docker in the test environment): the files are read, and every command
they run is parsed by the CLI's own parser, so a renamed subcommand or entry point fails this test.
"""

import json
import re
import shlex
import tomllib
from pathlib import Path, PurePosixPath

import pytest

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ENTRY_POINT = "episode-bot"


def dockerfile() -> list[tuple[str, str]]:
    """Return the Dockerfile's instructions as (INSTRUCTION, arguments), continuations joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def arguments(instruction: str) -> list[str]:
    """Return the single instruction's arguments."""
    (args,) = [rest for word, rest in dockerfile() if word == instruction]
    return args


def docker_env() -> dict[str, str]:
    env = {}
    for word, rest in dockerfile():
        if word == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(rest))
    return env


def assert_runs_the_cli(argv: list[str], subcommand: str) -> None:
    """Assert argv calls the installed entry point with arguments the CLI accepts."""
    assert PurePosixPath(argv[0]).name == ENTRY_POINT, argv
    # The script starts in bot.__main__ (cheap for spawned workers to import), which runs bot.cli.
    assert PYPROJECT["project"]["scripts"][ENTRY_POINT] == "bot.__main__:main"
    assert build_parser().parse_args(argv[1:]).command == subcommand


def unit() -> dict[str, list[str]]:
    """Return the systemd unit's settings, each key with every value it is given."""
    settings: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "episode-bot.service").read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_the_image_is_slim_python_the_project_supports():
    (base,) = [rest for word, rest in dockerfile() if word == "FROM"]
    match = re.fullmatch(r"python:3\.(\d+)-slim", base)
    assert match, base
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    assert int(match[1]) >= 11  # the supported minimum


def test_the_image_installs_the_package_as_the_makefile_does_and_copies_what_exists():
    runs = [rest for word, rest in dockerfile() if word == "RUN"]
    assert any(re.search(r"\bpip install (--\S+ )*\.$", run) for run in runs), runs
    assert re.search(r"pip install [^\n]*-e \.$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    copied = [shlex.split(rest)[:-1] for word, rest in dockerfile() if word == "COPY"]
    sources = [source for group in copied for source in group]
    assert {"pyproject.toml", "bot", "cogs"} <= set(sources)
    assert all((ROOT / source).exists() for source in sources), sources
    packages = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {name for name in packages if "." not in name} <= set(sources)


def test_the_image_runs_as_a_user_with_data_and_database_on_a_volume():
    user = arguments("USER")
    assert user not in ("root", "0")
    volumes = [PurePosixPath(v) for v in json.loads(arguments("VOLUME"))]
    env = docker_env()
    for setting in ("DATA_DIR", "DATABASE_PATH"):
        path = PurePosixPath(env[setting])
        assert any(path.is_relative_to(volume) for volume in volumes), (setting, path, volumes)


def test_the_health_check_and_the_command_call_entry_points_that_exist():
    healthcheck = arguments("HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert "--interval=" in options
    assert_runs_the_cli(json.loads(command), "doctor")
    assert build_parser().parse_args(json.loads(command)[1:]).quick  # no network in a health check
    assert_runs_the_cli(json.loads(arguments("CMD")), "run")


def test_compose_passes_the_env_file_and_mounts_the_image_s_volume():
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert re.search(r"^\s+build: \.$", text, re.M)
    assert re.search(r"^\s+env_file: \.env$", text, re.M)
    mounts = re.findall(r"^\s+- ([^:\s]+):(/\S+)$", text, re.M)
    targets = {target for _source, target in mounts}
    assert set(json.loads(arguments("VOLUME"))) <= targets
    env = docker_env()
    for setting in ("DATA_DIR", "DATABASE_PATH"):  # the same paths, whatever .env says
        assert re.search(rf"^\s+{setting}: {re.escape(env[setting])}$", text, re.M)
    named = [source for source, _target in mounts if not source.startswith(".")]
    assert all(re.search(rf"^  {re.escape(name)}:$", text, re.M) for name in named)


def test_the_systemd_unit_restarts_on_failure_as_a_dedicated_user_from_the_env_file():
    settings = unit()
    assert settings["Restart"] == ["on-failure"]
    assert settings["RestartPreventExitStatus"] == ["2"]  # a setting to fix: restarting only repeats it
    assert settings["EnvironmentFile"][0].endswith("/.env")
    assert settings["User"][0] not in ("root", "0")
    assert "network-online.target" in settings["After"][0]
    (exec_start,) = settings["ExecStart"]
    argv = shlex.split(exec_start)
    assert argv[0].endswith(f"/.venv/bin/{ENTRY_POINT}")  # where `make run` puts it
    assert_runs_the_cli(argv, "run")


def test_the_license_is_the_one_pyproject_names():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text


@pytest.mark.parametrize(
    ("argv", "subcommand"),
    [
        (["episode-bot", "docter"], "doctor"),
        (["episode-bot", "doctor", "--fast"], "doctor"),
        (["bot", "run"], "run"),
    ],
)
def test_a_command_that_does_not_exist_fails_the_check(argv, subcommand):
    with pytest.raises((SystemExit, AssertionError)):
        assert_runs_the_cli(argv, subcommand)
