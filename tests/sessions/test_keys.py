"""The cookie key: one per machine (file) or per deployment (secret), agreed by racing workers."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.errors import ConfigErrors
from gateway.sessions.keys import derive_key, load_or_create_key, session_key
from gateway.settings import load_settings

_CREATE = (
    "import sys; from pathlib import Path; from gateway.sessions.keys import load_or_create_key as f; "
    "print(f(Path(sys.argv[1])).hex())"
)


@pytest.mark.slow
def test_workers_starting_together_agree_on_one_private_key(tmp_path: Path) -> None:
    path = tmp_path / "state" / "session.key"
    racers = [
        subprocess.Popen([sys.executable, "-c", _CREATE, str(path)], stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    keys = {racer.communicate(timeout=60)[0].strip() for racer in racers}
    assert len(keys) == 1 and len(bytes.fromhex(keys.pop())) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["session.key"]  # no drafts left behind


def test_the_key_file_is_kept_across_restarts(tmp_path: Path) -> None:
    first = session_key(None, tmp_path)
    assert session_key(None, tmp_path) == first == load_or_create_key(tmp_path / "session.key")


def test_a_damaged_key_file_is_an_error_not_a_new_key(tmp_path: Path) -> None:
    (tmp_path / "session.key").write_text("dG9vIHNob3J0\n")
    with pytest.raises(ValueError, match="256-bit"):
        session_key(None, tmp_path)


def test_a_secret_gives_every_instance_the_same_key_and_purposes_get_unrelated_keys(tmp_path: Path) -> None:
    secret = "a deployment secret of more than 32 characters"
    one, two = session_key(secret, tmp_path / "a"), session_key(secret, tmp_path / "b")
    assert one == two != session_key(secret + "!", tmp_path)
    assert derive_key(one, "session cookie encryption") != derive_key(one, "login transaction")
    assert not (tmp_path / "a").exists()  # a secret needs no key file


@pytest.mark.parametrize(
    ("sessions", "path", "message"),
    [
        ({"secret": "short"}, "$.sessions.secret", "32"),
        ({"idleTimeout": "10 q"}, "$.sessions.idleTimeout", "not a duration"),
        ({"maxLifetime": "0 s"}, "$.sessions.maxLifetime", "positive"),
        ({"maxLifetime": "unlimited"}, "$.sessions.maxLifetime", "finite"),
        ({"sweepInterval": "0 s"}, "$.sessions.sweepInterval", "positive"),
        ({"sweepInterval": "often"}, "$.sessions.sweepInterval", "not a duration"),
        ({"cookieName": "my session"}, "$.sessions.cookieName", "pattern"),
        ({"sameSite": "None", "secure": False}, "$.sessions", "secure"),
        ({"sameSite": "lax"}, "$.sessions.sameSite", "Lax"),
        ({"secure": "sometimes"}, "$.sessions.secure", "auto"),
    ],
)
def test_bad_session_settings_name_their_path(
    tmp_path: Path, sessions: dict[str, object], path: str, message: str
) -> None:
    import yaml

    config = tmp_path / "gateway.yaml"
    config.write_text(yaml.safe_dump({"sessions": sessions}))
    with pytest.raises(ConfigErrors) as caught:
        load_settings(config)
    assert any(e.path == path and message in e.message for e in caught.value.errors), caught.value.errors


def test_auth_paths_must_be_absolute(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("auth:\n  callbackPath: oauth2/callback\n")
    with pytest.raises(ConfigErrors) as caught:
        load_settings(config)
    assert [e.path for e in caught.value.errors] == ["$.auth.callbackPath"]
