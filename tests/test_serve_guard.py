"""`inittui serve` refuses what a hostile web page could send: real HTTP and WebSocket
requests on 127.0.0.1 to a real server process, whose session command only leaves a
marker file, so "no session process started" is read off the disk."""

from __future__ import annotations

import asyncio
import contextlib
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVER = """
import sys
from inittui.web.server import AppServer
marker = sys.argv[1]
session = [sys.executable, "-c", f"open({marker!r}, 'a').write('started\\\\n'); "
           "import time; time.sleep(30)"]
sys.exit(128 + AppServer(session, sys.argv[2], 0).serve())
"""


class Served:
    def __init__(self, process: subprocess.Popen[str], url: str, marker: Path) -> None:
        self.process, self.url, self.marker = process, url, marker
        found = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", url)
        assert found, url
        self.port, self.token = int(found.group(1)), found.group(2)

    @property
    def sessions_started(self) -> int:
        return self.marker.read_text().count("started") if self.marker.exists() else 0


@contextlib.contextmanager
def serving(tmp_path: Path, host: str) -> Iterator[Served]:
    marker = tmp_path / "sessions"
    process = subprocess.Popen([sys.executable, "-u", "-c", SERVER, str(marker), host],
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin"})
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"http://\S+", line)
    try:
        assert found, line + process.stdout.read()
        yield Served(process, found.group(0), marker)
    finally:
        process.terminate()
        process.wait(20)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serving(tmp_path, "127.0.0.1") as server:
        yield server


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    async def fetch() -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, \
                session.get(url, headers=headers or {}) as response:
            return response.status, await response.text()
    return asyncio.run(fetch())


def websocket(url: str, headers: dict[str, str] | None = None) -> int | str:
    """The handshake's refusal status, or the first frame a session sends."""
    async def connect() -> int | str:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(url, headers=headers or {}) as ws:
                    await ws.send_json(["ping", "x"])
                    return "open"
            except aiohttp.WSServerHandshakeError as error:
                return error.status
    return asyncio.run(connect())


def test_the_start_up_line_is_a_token_link(served: Served) -> None:
    assert len(served.token) >= 40
    status, page = get(served.url)
    assert status == 200
    assert f"ws://127.0.0.1:{served.port}/ws/{served.token}" in page


def test_a_page_or_websocket_without_the_token_is_refused_and_starts_no_session(
        served: Served) -> None:
    base = f"127.0.0.1:{served.port}"
    assert get(f"http://{base}/")[0] == 403
    assert get(f"http://{base}/?token=wrong")[0] == 403
    assert "token printed when the server started" in get(f"http://{base}/")[1]
    assert websocket(f"ws://{base}/ws") == 403
    assert websocket(f"ws://{base}/ws/{served.token[:-1]}x") == 403
    assert websocket(f"ws://{base}/ws?token=nope") == 403
    time.sleep(0.5)
    assert served.sessions_started == 0


def test_a_websocket_from_another_origin_is_refused_even_with_the_token(
        served: Served) -> None:
    url = f"ws://127.0.0.1:{served.port}/ws/{served.token}"
    assert websocket(url, {"Origin": "http://evil.example"}) == 403
    assert websocket(url, {"Origin": f"http://evil.example:{served.port}"}) == 403
    assert websocket(url, {"Origin": f"https://127.0.0.1:{served.port}"}) == 403
    time.sleep(0.5)
    assert served.sessions_started == 0


def test_a_wrong_host_header_is_refused_as_after_dns_rebinding(served: Served) -> None:
    assert get(served.url, {"Host": f"evil.example:{served.port}"})[0] == 403
    assert get(served.url, {"Host": "127.0.0.1:1"})[0] == 403
    url = f"ws://127.0.0.1:{served.port}/ws/{served.token}"
    assert websocket(url, {"Host": f"evil.example:{served.port}",
                           "Origin": f"http://evil.example:{served.port}"}) == 403
    time.sleep(0.5)
    assert served.sessions_started == 0


def test_the_right_token_from_the_servers_own_page_starts_one_session(served: Served) -> None:
    for name in ("127.0.0.1", "localhost"):
        assert get(served.url.replace("127.0.0.1", name))[0] == 200
    url = f"ws://127.0.0.1:{served.port}/ws/{served.token}"
    assert websocket(url, {"Origin": f"http://127.0.0.1:{served.port}"}) == "open"
    deadline = time.monotonic() + 20
    while served.sessions_started == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert served.sessions_started == 1


def test_static_files_need_no_token_but_the_right_host(served: Served) -> None:
    static = f"http://127.0.0.1:{served.port}/static/js/textual.js"
    assert get(static)[0] == 200
    assert get(static, {"Host": f"evil.example:{served.port}"})[0] == 403


def test_on_every_address_it_warns_and_still_needs_the_token(tmp_path: Path) -> None:
    with serving(tmp_path, "0.0.0.0") as server:
        assert server.process.stdout is not None
        warning = server.process.stdout.readline()
        assert warning.startswith("warning: listening on 0.0.0.0")
        assert "unencrypted HTTP" in warning
        assert get(f"http://127.0.0.1:{server.port}/")[0] == 403
        named = {"Host": f"this-machine.example:{server.port}"}  # any name reaches it
        assert get(server.url, named)[0] == 200
        url = f"ws://127.0.0.1:{server.port}/ws/{server.token}"
        assert websocket(url, {"Origin": "http://evil.example"}) == 403
        time.sleep(0.5)
        assert server.sessions_started == 0
