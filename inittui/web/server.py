"""The app in browser tabs: textual-serve's server, with each tab's process ended for sure.

textual-serve starts one app process per browser tab and, when the tab closes, only asks
the app to quit through its stdin. An app still importing torch cannot read that request,
and when the server itself stops, nothing ends the processes at all: they were left
running, polling a closed pipe. Here every session's process starts in its own process
group, tied to the server's life (Linux: it is killed if the server dies), and is ended in
steps when its tab closes or the server stops: the polite quit, then SIGTERM, then
SIGKILL to the whole group.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shlex
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from inittui.web.guard import Guard, is_loopback, is_wildcard

QUIT_GRACE_S = 3.0
"""How long a session's app has to quit by itself (ending a training thread included)."""
TERM_GRACE_S = 2.0
"""How long after SIGTERM before the session's process group is killed."""
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook that has Linux kill the child when the server process dies."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # resolved before the fork, not in the child
    prctl = libc.prctl

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return hook


class SessionService(AppService):
    """One browser tab's app process, which always ends when `stop` returns."""

    def __init__(self, argv: Sequence[str], **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = tuple(argv)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def _open_app_process(self, width: int = 80,
                                height: int = 24) -> asyncio.subprocess.Process:
        """The app without a shell in between, leading a process group of its own."""
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,
            preexec_fn=_die_with_parent(),
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        """Ask the app to quit; past the grace times, terminate, then kill its group."""
        if self._task is None:
            return
        task, self._task = self._task, None
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        await self._end_process()
        await task

    async def _end_process(self) -> None:
        process = self._process
        if process is None:
            return
        for grace, signal_number in ((QUIT_GRACE_S, signal.SIGTERM), (TERM_GRACE_S, None)):
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), grace)
                break
            if signal_number is not None:
                _signal_group(process.pid, signal_number)
        # Whatever the app left in its group (a worker it spawned) goes with it.
        _signal_group(process.pid, signal.SIGKILL)
        await process.wait()


def _signal_group(pgid: int, signal_number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal_number)


class AppServer(Server):
    """textual-serve's server for `argv`, keeping track of every tab's session."""

    def __init__(self, argv: Sequence[str], host: str, port: int,
                 announce: Callable[[str], None] = print, token: str | None = None) -> None:
        super().__init__(shlex.join(argv), host=host, port=port, title="inittui")
        self.argv = tuple(argv)
        self.announce = announce
        self.guard = Guard(host, token)
        self.sessions: dict[SessionService, web.WebSocketResponse] = {}

    async def _make_app(self) -> web.Application:
        """textual-serve's routes behind the guard; the WebSocket's path holds the token
        (the page's script appends its own `?width=` to the URL it is given)."""
        app = await super()._make_app()
        app.router.add_get("/ws/{token}", self.handle_websocket, name="session")
        app.middlewares.append(self.guard.middleware)
        return app

    async def handle_index(self, request: web.Request) -> web.Response:
        """The page, addressed to the Host the browser used (so Origin matches it)."""
        base = f"http://{request.host}"
        static = request.app.router["static"].url_for(filename="/")
        session = request.app.router["session"].url_for(token=self.guard.token)
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"ws://{request.host}{session}",
            "config": {"static": {"url": f"{base}{static}".rstrip("/") + "/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Referrer-Policy"] = "no-referrer"  # the token stays in this tab
        return response

    async def on_startup(self, app: web.Application) -> None:
        """Nothing: the URL is announced once the address is bound."""

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every tab and end its process before aiohttp waits on the handlers."""
        sessions = list(self.sessions.items())
        await asyncio.gather(*(websocket.close(code=1001, message=b"server stopping")
                               for _, websocket in sessions), return_exceptions=True)
        await asyncio.gather(*(session.stop() for session, _ in sessions),
                             return_exceptions=True)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: its own app process, fed the tab's keys, ended when the tab goes."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        session = SessionService(
            self.argv, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
            close=websocket.close, download_manager=self.download_manager, debug=self.debug,
        )
        self.sessions[session] = websocket
        try:
            await session.start(width, height)
            await self._process_messages(websocket, session)
        except (asyncio.CancelledError, ConnectionError):
            pass
        finally:
            # Shielded: a cancelled handler (server stopping) still ends its process.
            await asyncio.shield(session.stop())
            self.sessions.pop(session, None)
            await websocket.close()
        return websocket

    def serve(self, debug: bool = False) -> int:
        """Serve until SIGINT, SIGTERM or SIGHUP, which it returns; every session's process has
        ended by then. Raises OSError when the address cannot be bound (nothing announced).
        """
        self.debug = debug
        self.initialize_logging()
        return asyncio.run(self._serve())

    async def _serve(self) -> int:
        stopped_by: list[int] = []
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signal_number, lambda n=signal_number: (
                stopped_by.append(n), stopping.set()))
        runner = web.AppRunner(await self._make_app(), handle_signals=False,
                               shutdown_timeout=QUIT_GRACE_S + TERM_GRACE_S + 2)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
            self.port = self.guard.port = runner.addresses[0][1]  # port 0: the real one
            shown_host = "127.0.0.1" if is_wildcard(self.host) else _url_host(self.host)
            self.public_url = f"http://{shown_host}:{self.port}"
            self.announce(f"inittui: serving the app on {self.public_url}/?token="
                          f"{self.guard.token} (Ctrl+C stops)")
            if not is_loopback(self.host):
                self.announce(
                    f"warning: listening on {self.host or 'every address'}, not this machine "
                    "alone: anyone who can reach the port and has the token can train here, "
                    "and the traffic (token included) is unencrypted HTTP; prefer 127.0.0.1 "
                    "and an SSH tunnel")
            await stopping.wait()
        finally:
            await runner.cleanup()
        return stopped_by[0]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
