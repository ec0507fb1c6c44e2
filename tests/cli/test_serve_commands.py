"""``segmint serve`` beside loads, over HTTPS, and ``segmint token create|list|revoke``.

The serving tests run the real commands in child processes, as a user would: a server and
loads in separate processes are what DuckDB's file locks are about.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from segmint.mart.snapshot import snapshot_path

from .conftest import Segmint

SEGMINT = str(Path(sys.executable).with_name("segmint"))

FIRST = "order_id,customer_id,order_ts,amount\nO-FIRST,c1,2024-03-01,20.00\n"
SECOND = "order_id,customer_id,order_ts,amount\nO-SECOND,c1,2024-04-02,35.50\n"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``segmint ARGS`` in a child process."""
    return subprocess.run(
        [SEGMINT, *map(str, args)], capture_output=True, text=True, timeout=300, check=False
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def eventually(check: Callable[[], bool], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)


@contextmanager
def serving(mart: Path, *args: str | Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``segmint serve`` in a child process until the block ends; its base URL."""
    port = free_port()
    tls = "--cert" in args
    server = subprocess.Popen(
        [SEGMINT, "serve", "--port", str(port), "--mart", str(mart), *map(str, args)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}", server
    finally:
        server.terminate()
        server.wait(timeout=60)


def wait_until_up(client: httpx.Client, server: subprocess.Popen[str]) -> None:
    def up() -> bool:
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        try:
            return client.get("/login").status_code == 200
        except httpx.TransportError:
            return False

    eventually(up, "the server answering")


def log_in(client: httpx.Client, token: str) -> httpx.Response:
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    response = client.post("/login", data={"token": token, "csrf": csrf.group(1), "next": "/"})
    assert response.status_code == 303, response.text
    return response


def test_loads_run_while_serve_answers_and_their_rows_appear_without_a_restart(
    tmp_path: Path,
) -> None:
    mart = tmp_path / "shop.duckdb"
    (tmp_path / "first.csv").write_text(FIRST)
    (tmp_path / "second.csv").write_text(SECOND)
    assert run("ingest", "transactions", tmp_path / "first.csv", "--mart", mart).returncode == 0
    made = run("token", "create", "--role", "analyst", "--mart", mart)
    token = made.stdout.strip().splitlines()[-1]
    with serving(mart) as (url, server), httpx.Client(base_url=url, timeout=60) as client:
        wait_until_up(client, server)
        log_in(client, token)
        page = client.get("/customers/c1")
        assert page.status_code == 200 and "O-FIRST" in page.text and "O-SECOND" not in page.text

        answers: list[int] = []
        loading = threading.Event()

        def browse() -> None:  # a user reading pages while the load runs and lands
            with httpx.Client(base_url=url, cookies=client.cookies, timeout=60) as user:
                while not loading.is_set() or not answers:
                    answers.append(user.get("/customers/c1").status_code)

        reader = threading.Thread(target=browse)
        reader.start()
        loaded = run("ingest", "transactions", tmp_path / "second.csv", "--mart", mart)
        loading.set()
        reader.join(timeout=120)
        assert loaded.returncode == 0, loaded.stderr  # the server holds no lock on the mart
        assert answers and set(answers) == {200}
        listed = run("tables", "--mart", mart)
        assert listed.returncode == 0, listed.stderr
        assert re.search(r"orders\s+│\s+2\b", listed.stdout)
        eventually(lambda: "O-SECOND" in client.get("/customers/c1").text, "the new order")
        assert "O-FIRST" in client.get("/customers/c1").text

        later = run("token", "create", "--role", "viewer", "--mart", mart)
        assert later.returncode == 0, later.stderr
        fresh = later.stdout.strip().splitlines()[-1]
        health = "/api/v1/health"
        eventually(
            lambda: (
                client.get(health, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
            ),
            "the token made while serving",
        )
    assert not snapshot_path(mart).exists()  # the server removed its snapshot when it stopped
    assert run("ingest", "transactions", tmp_path / "second.csv", "--mart", mart).returncode == 0


def test_serve_says_when_the_dashboard_is_warm_and_how_long_it_took(tmp_path: Path) -> None:
    mart = tmp_path / "shop.duckdb"
    (tmp_path / "first.csv").write_text(FIRST)
    assert run("ingest", "transactions", tmp_path / "first.csv", "--mart", mart).returncode == 0
    token = run("token", "create", "--mart", mart).stdout.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    with serving(mart) as (url, server), httpx.Client(base_url=url, timeout=60) as client:
        wait_until_up(client, server)
        health = "/api/v1/health"
        eventually(lambda: client.get(health, headers=auth).json()["warming"] is False, "warm")
    said = server.stderr.read() if server.stderr else ""
    started = [line for line in said.splitlines() if "computing what the dashboard" in line]
    assert len(started) == 1 and "pages are slower until it is done" in started[0]  # one line
    assert re.search(r"the dashboard is warm: computed in \d+\.\d s", said), said


def test_serve_over_https_with_a_certificate_made_here(tmp_path: Path) -> None:
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    mart = tmp_path / "shop.duckdb"
    (tmp_path / "first.csv").write_text(FIRST)
    assert run("ingest", "transactions", tmp_path / "first.csv", "--mart", mart).returncode == 0
    made = run("token", "create", "--role", "analyst", "--mart", mart)
    token = made.stdout.strip().splitlines()[-1]
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    with (
        serving(mart, "--cert", cert, "--key", key) as (url, server),
        httpx.Client(base_url=url, verify=trusted, timeout=60) as client,
    ):
        wait_until_up(client, server)
        assert client.get("/login").url.scheme == "https"
        response = log_in(client, token)
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("segmint_session=") and "Secure" in cookie
        assert "O-FIRST" in client.get("/customers/c1").text  # the session cookie came back
        plain = url.replace("https://", "http://")
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{plain}/login", timeout=10)  # nothing is served in clear text
        with pytest.raises(httpx.ConnectError):  # a certificate nobody vouched for
            httpx.get(f"{url}/login", timeout=10)


def test_serve_wants_cert_and_key_together_and_loadable(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("not a certificate")
    result = segmint_cli("serve", "--cert", cert)
    assert result.exit_code == 2
    assert "--cert needs --key too" in result.stderr
    result = segmint_cli("serve", "--cert", cert, "--key", cert)
    assert result.exit_code == 2
    assert f"cannot serve HTTPS with --cert {cert} --key {cert}" in result.stderr


@pytest.mark.parametrize(
    ("host", "warned"),
    [
        ("0.0.0.0", True),
        ("192.168.1.20", True),
        ("shop.example", True),
        ("::1", False),
        ("127.0.0.1", False),
        ("localhost", False),
    ],
)
def test_serve_warns_when_exposed_without_tls(
    segmint_cli: Segmint, monkeypatch: pytest.MonkeyPatch, host: str, warned: bool
) -> None:
    ran: list[dict[str, Any]] = []

    def run(app: str, **kwargs: Any) -> None:  # the server builds its app from the environment
        ran.append({"app": app, "SEGMINT_MART": os.environ.get("SEGMINT_MART"), **kwargs})

    monkeypatch.setattr("uvicorn.run", run)
    assert segmint_cli("init").exit_code == 0
    result = segmint_cli("serve", "--host", host)
    assert result.exit_code == 0, result.stderr
    assert ("without TLS" in result.stderr) is warned
    assert ran == [
        {
            "app": "segmint.api.app:create_app_from_env",
            "SEGMINT_MART": str(segmint_cli.mart.resolve()),
            "factory": True,
            "host": host,
            "port": 8000,
            "log_level": "warning",
            "ssl_certfile": None,
            "ssl_keyfile": None,
        }
    ]


def test_serve_without_a_mart_says_how_to_make_one(segmint_cli: Segmint) -> None:
    result = segmint_cli("serve")
    assert result.exit_code == 2
    assert f"no mart at {segmint_cli.mart}. Create one with `segmint init" in result.stderr


HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("held", flush=True)
sys.stdin.read()
"""


def test_commands_that_only_read_run_beside_another_reader(tmp_path: Path) -> None:
    mart = tmp_path / "shop.duckdb"
    (tmp_path / "first.csv").write_text(FIRST)
    assert run("ingest", "transactions", tmp_path / "first.csv", "--mart", mart).returncode == 0
    reader = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(mart)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "held"
        for command in (["tables"], ["ingests"], ["segmentations"], ["token", "list"]):
            result = run(*command, "--mart", mart)
            assert result.returncode == 0, (command, result.stderr)
        refused = run("ingest", "transactions", tmp_path / "first.csv", "--mart", mart)
        assert refused.returncode == 2
        assert f"the mart {mart} is in use by another process {reader.pid}" in refused.stderr
    finally:
        assert reader.stdin is not None
        reader.stdin.close()
        reader.wait(timeout=30)
