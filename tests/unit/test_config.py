from __future__ import annotations

from pathlib import Path

import pytest

from resourceful.config import Config, Environ, EnvironError, read_env_file
from resourceful.datastructures import CommaSeparatedStrings, Secret


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text(
        "# settings for tests\n"
        "DEBUG=true\n"
        "export DATABASE_URL='postgres://user:pw@db/app'\n"
        'NAME="quoted value"\n'
        "\n"
        "not a setting line\n"
        "ALLOWED=a, b\n"
    )
    return path


def test_values_come_from_environ_then_file_then_default(env_file: Path) -> None:
    config = Config(env_file, environ={"DEBUG": "false", "PORT": "8000"})
    assert config("DEBUG", cast=bool) is False, "the environment wins over the file"
    assert config("PORT", cast=int) == 8000
    assert config("NAME") == "quoted value"
    assert config("DATABASE_URL", cast=Secret).get_secret_value() == "postgres://user:pw@db/app"
    assert list(config("ALLOWED", cast=CommaSeparatedStrings)) == ["a", "b"]
    assert config("MISSING", default="fallback") == "fallback"
    assert config("MISSING", cast=int, default="5") == 5
    assert config("MISSING", default=None) is None
    with pytest.raises(KeyError, match="Config 'MISSING' is missing, and has no default."):
        config("MISSING")


def test_prefix_and_bad_casts() -> None:
    config = Config(environ={"APP_PORT": "eighty", "APP_FLAG": "maybe"}, env_prefix="APP_")
    with pytest.raises(ValueError, match="Config 'APP_PORT' has value 'eighty'. Not a valid int."):
        config("PORT", cast=int)
    with pytest.raises(ValueError, match="Config 'APP_FLAG' has value 'maybe'. Not a valid bool."):
        config("FLAG", cast=bool)


def test_missing_env_file_warns(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="not found"):
        Config(tmp_path / "nope.env", environ={})


def test_environ_refuses_changes_after_a_read() -> None:
    environ = Environ({"A": "1"})
    environ["B"] = "2"
    del environ["B"]
    assert environ["A"] == "1"
    with pytest.raises(EnvironError, match="Attempting to set environ\\['A'\\]"):
        environ["A"] = "3"
    with pytest.raises(EnvironError, match="Attempting to delete environ\\['A'\\]"):
        del environ["A"]
    assert list(environ) == ["A"]
    assert len(environ) == 1


def test_read_env_file(env_file: Path) -> None:
    assert read_env_file(env_file)["DATABASE_URL"] == "postgres://user:pw@db/app"
