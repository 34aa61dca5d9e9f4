"""`inittui serve`: the app in a web browser, one session (one app process) per tab.

The app's own options pass through to every session unchanged, after being checked here
once, so a typo is a usage error at start-up and not a broken tab. Only click loads at
import time; textual-serve (the `serve` extra) loads when the server starts.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

EXTRA_MISSING = "inittui serve needs the 'serve' extra: pip install 'inittui[serve]'"
NOT_FOR_SERVE = {
    "--headless": "serve runs the app; use --headless without serve",
    "--list-inits": "run inittui --list-inits on its own",
    "--list-presets": "run inittui --list-presets on its own",
    "--out": "every tab is its own session and they would share one file; export from the "
             "app with e",
    "--stats-out": "it is a headless option",
    "--overwrite": "every tab is its own session; export from the app with e",
    "--cluster": "the app trains in its own process; --cluster is for --headless runs",
    "--address": "the app trains in its own process; --address is for --headless runs",
}
"""Options of `inittui` that make no sense for a server of many sessions, and why."""


def check_app_args(ctx: click.Context, app_args: Sequence[str]) -> None:
    """Parse the app's options as `inittui` would, raising usage errors under `serve`."""
    main = ctx.find_root().command
    for arg in app_args:
        flag = arg.split("=", 1)[0]
        if flag in NOT_FOR_SERVE:
            raise click.UsageError(f"{flag} cannot be used with serve: {NOT_FOR_SERVE[flag]}",
                                   ctx=ctx)
    try:
        main.make_context("inittui", list(app_args), parent=None)
    except click.exceptions.Exit:  # --help or --version among the app's options
        raise click.UsageError("--help and --version are options of inittui itself; "
                               "the app's options follow serve", ctx=ctx) from None
    except click.UsageError as error:
        raise click.UsageError(error.format_message(), ctx=ctx) from None


@click.command(context_settings={"ignore_unknown_options": True,
                                 "help_option_names": ["-h", "--help"],
                                 "max_content_width": 100})
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. 127.0.0.1 keeps it on this machine (reach it "
              "through an SSH tunnel); 0.0.0.0 lets anyone who can reach the port and has "
              "the printed token train here, over unencrypted HTTP. Every request needs "
              "the token link printed at start-up.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on; 0 picks a free one (the URL printed says which).")
@click.argument("app_args", nargs=-1, type=click.UNPROCESSED, metavar="[APP OPTIONS]...")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, app_args: tuple[str, ...]) -> None:
    """Serve the app in a web browser: every tab gets its own session.

    APP OPTIONS are the app's own (see inittui --help), e.g. --preset he2015 --seeds 3.
    Open the link it prints, which holds a secret token (http://127.0.0.1:8000/?token=…):
    requests without it, addressed to another host name, or sent by another web page are
    refused before any session starts. A session's process ends when its tab closes or
    the server stops (Ctrl+C: exit 130, SIGTERM: 143). Needs the 'serve' extra:
    pip install 'inittui[serve]'.
    """
    try:
        from inittui.web.server import AppServer
    except ImportError:
        click.echo(f"error: {EXTRA_MISSING}", err=True)
        sys.exit(1)
    check_app_args(ctx, app_args)
    server = AppServer([sys.executable, "-m", "inittui", *app_args], host, port,
                       announce=lambda line: click.echo(line))
    try:
        stopped_by = server.serve()
    except OSError as error:
        click.echo(f"error: cannot serve on {host}:{port}: {error.strerror or error}", err=True)
        sys.exit(1)
    sys.exit(128 + stopped_by)  # 130 after Ctrl+C, 143 after SIGTERM, as every command
