"""Rasa's rendered endpoints.yml: it may hold the tracker store's password, so it is the
owner's only from the moment it exists, and Rasa reads back exactly the URL it was given
(odd characters in the password, query options such as `sslmode`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.engine import make_url

from launcher.stack import ACTION_SERVER_TOKEN_ENV, Stack, StackConfig
from storage.engine import PROJECT_ROOT

PASSWORD = "p:@#'\"${HOME} x"  # URL, YAML and Rasa's ${VARIABLE} syntax all in one
TRACKER_URL = (
    f"postgresql://talking:{quote(PASSWORD, safe='')}@db.example.org:6543/rasa"
    "?sslmode=require&application_name=talking-stick"
)

# Rasa reads the file as it does at start-up, and builds its tracker store's database URL.
READ_AS_RASA = """
import json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.utils.endpoints import read_endpoint_config

store = read_endpoint_config(sys.argv[1], "tracker_store")
url = SQLTrackerStore.get_db_url(host=store.url, **{
    key: value for key, value in store.kwargs.items() if key != "type"
})
print(json.dumps(url.render_as_string(hide_password=False)))
"""


def render(var: Path, tracker_url: str | None) -> Path:
    extra_env = {"TRACKER_STORE_URL": tracker_url} if tracker_url else {}
    return Stack(StackConfig(var_dir=var, extra_env=extra_env)).write_endpoints()


def test_rasa_reads_back_the_tracker_url_it_was_given(tmp_path: Path) -> None:
    endpoints = render(tmp_path / "var", TRACKER_URL)

    read = subprocess.run(
        [sys.executable, "-c", READ_AS_RASA, str(endpoints)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        # Rasa reads the action server's key from its environment (the file only names it).
        env={**os.environ, ACTION_SERVER_TOKEN_ENV: "a-key"},
    )
    url = make_url(json.loads(read.stdout.strip().splitlines()[-1]))

    assert url.password == PASSWORD
    assert dict(url.query) == {"sslmode": "require", "application_name": "talking-stick"}
    assert url == make_url(TRACKER_URL)


def test_the_endpoints_file_is_created_the_owners_only(tmp_path: Path) -> None:
    runtime = tmp_path / "var" / "runtime"
    runtime.mkdir(parents=True)
    old = runtime / "endpoints.yml"
    old.write_text("left by an older version\n")
    old.chmod(0o644)

    endpoints = render(tmp_path / "var", TRACKER_URL)

    assert oct(endpoints.stat().st_mode & 0o777) == "0o600"
    assert "older version" not in endpoints.read_text()
    assert sorted(path.name for path in runtime.iterdir()) == ["endpoints.yml"]  # no leftovers
    assert oct(runtime.stat().st_mode & 0o777) == "0o700"


def test_the_default_tracker_store_is_a_private_sqlite_file(tmp_path: Path) -> None:
    endpoints = render(tmp_path / "var", None)

    assert f'"db": "{tmp_path / "var" / "rasa_tracker.db"}"' in endpoints.read_text()
    assert oct((tmp_path / "var" / "rasa_tracker.db").stat().st_mode & 0o777) == "0o600"
