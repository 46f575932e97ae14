from __future__ import annotations

import enum
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

import attrs
import pytest

from resourceful import App, Route
from resourceful.datastructures import URL, Secret
from resourceful.settings import Settings, SettingsError, setting
from tests.conftest import TestClientFactory


class Mode(enum.Enum):
    DEV = "dev"
    PROD = "prod"


@attrs.frozen
class Database:
    host: str
    port: int = 5432


class AppSettings(Settings, prefix="APP_"):
    name: str
    debug: bool = False
    workers: int = 1
    ratio: float = 0.5
    hosts: list[str] = attrs.Factory(list)
    ports: list[int] = attrs.Factory(list)
    api_key: Secret = Secret("")
    base_url: URL = URL("http://localhost")
    data_dir: Path = Path("data")
    mode: Mode = Mode.DEV
    database: Database = attrs.Factory(lambda: Database("localhost"))
    token: str = setting(alias="GITHUB_TOKEN", default="")


def test_every_type_loads_from_the_environment() -> None:
    settings = AppSettings.load(
        {
            "APP_NAME": "notes",
            "APP_DEBUG": "yes",
            "APP_WORKERS": "4",
            "APP_RATIO": "0.25",
            "APP_HOSTS": "a.example, b.example",
            "APP_PORTS": "80,443",
            "APP_API_KEY": "hunter2",
            "APP_BASE_URL": "https://notes.example",
            "APP_DATA_DIR": "/var/notes",
            "APP_MODE": "prod",
            "APP_DATABASE__HOST": "db",
            "APP_DATABASE__PORT": "6543",
            "GITHUB_TOKEN": "gh",
        }
    )
    assert settings.name == "notes"
    assert settings.debug is True
    assert (settings.workers, settings.ratio) == (4, 0.25)
    assert settings.hosts == ["a.example", "b.example"]
    assert settings.ports == [80, 443]
    assert settings.api_key.get_secret_value() == "hunter2"
    assert settings.base_url == "https://notes.example"
    assert settings.data_dir == Path("/var/notes")
    assert settings.mode is Mode.PROD
    assert settings.database == Database("db", 6543)
    assert settings.token == "gh"
    assert "hunter2" not in repr(settings)


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = AppSettings.load({"APP_NAME": "notes"})
    assert settings.database == Database("localhost")
    assert settings.hosts == []
    assert settings.mode is Mode.DEV


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as info:
        AppSettings.load(
            {
                "APP_WORKERS": "many",
                "APP_MODE": "staging",
                "APP_DATABASE__PORT": "p",
                "APP_PORTS": "80,x",
                "APP_DEBUG": "perhaps",
            }
        )
    problems = dict(info.value.problems)
    assert problems["APP_NAME"] == "missing (expected str)"
    assert problems["APP_WORKERS"] == "expected an integer, got 'many'"
    assert problems["APP_MODE"] == "expected one of 'dev', 'prod', got 'staging'"
    assert problems["APP_DATABASE__HOST"] == "missing (expected str)"
    assert problems["APP_DATABASE__PORT"] == "expected an integer, got 'p'"
    assert problems["APP_DEBUG"] == "expected true or false, got 'perhaps'"
    assert "APP_PORTS" in problems
    assert str(info.value).startswith("AppSettings cannot be loaded:\n  APP_NAME: missing")


class Secrets(Settings, prefix="S_"):
    key: Secret
    port: int = 1


def test_secrets_are_masked_in_errors() -> None:
    class Odd(Settings):
        key: Secret | None = None
        limit: list[int] | None = None
        level: Literal["low", "high"] = "low"

    with pytest.raises(SettingsError) as info:
        Secrets.load({"S_PORT": "x"})
    assert dict(info.value.problems)["S_KEY"] == "missing (expected Secret)"
    assert Odd.load({"KEY": "s"}).key == Secret("s")
    with pytest.raises(SettingsError) as odd:
        Odd.load({"LIMIT": "1,x", "LEVEL": "max"})
    problems = dict(odd.value.problems)
    assert problems["LIMIT"] == "expected an integer, got 'x'"
    assert problems["LEVEL"] == "expected Literal['low', 'high'], got 'max'"


def test_env_file_and_environment_precedence(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("APP_NAME=from-file\nAPP_WORKERS=2\n")
    settings = AppSettings.load({"APP_WORKERS": "8"}, env_file=env_file)
    assert (settings.name, settings.workers) == ("from-file", 8)

    class FileSettings(Settings, prefix="APP_", env_file=env_file):
        name: str

    assert FileSettings.load({}).name == "from-file"


def test_load_reads_the_real_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_NAME", "from-os")
    assert AppSettings.load().name == "from-os"


class ServiceSettings(Settings, prefix="SVC_"):
    greeting: str = "hello"


class Greeter:
    def __init__(self, settings: ServiceSettings) -> None:
        self.greeting = settings.greeting


async def greet(greeter: Greeter, settings: ServiceSettings) -> str:
    return f"{greeter.greeting} ({settings.greeting})"


def test_settings_are_injectable_and_loaded_at_startup(
    test_client_factory: TestClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVC_GREETING", "bonjour")
    app = App(routes=[Route("/", greet)], providers=[Greeter])
    with test_client_factory(app) as client:
        assert client.get("/").json() == "bonjour (bonjour)"
    with app.container.override(ServiceSettings, ServiceSettings(greeting="test")):
        assert test_client_factory(app).get("/").json() == "test (test)"


class Required(Settings, prefix="REQ_"):
    value: int


async def needs_required(settings: Required) -> None: ...  # the app never starts


def test_a_misconfigured_app_fails_at_startup(test_client_factory: TestClientFactory) -> None:
    app = App(routes=[Route("/", needs_required)])
    with ExitStack() as stack, pytest.raises(SettingsError, match="REQ_VALUE: missing"):
        stack.enter_context(test_client_factory(app))
