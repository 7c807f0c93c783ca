"""The `consultbot` command: run the bot, migrate, check surveys, manage rounds.

Every expected failure prints one line saying what to fix and exits non-zero; no tracebacks.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot import __version__, heap, loop
from bot.config import Settings
from bot.errors import ConfigError

EXIT_CONFIG = 2


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']).upper()}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc


def _run(args: argparse.Namespace) -> int:
    from bot import logs
    from bot.app import Application, check_webhook_settings

    settings = _settings()
    logs.configure(settings.log_level, settings.log_format)

    if args.command == "webhook":
        check_webhook_settings(settings)

    async def main() -> None:
        app = await Application.create(settings)
        heap.settle()
        try:
            if args.command == "webhook":
                await app.run_webhook()
            else:
                await app.run_polling()
        finally:
            await app.close()

    loop.run(main, settings.event_loop)
    return 0


def _sender(_args: argparse.Namespace) -> int:
    from bot import logs
    from bot.sender_main import run_sender

    settings = _settings()
    logs.configure(settings.log_level, settings.log_format)
    loop.run(lambda: run_sender(settings), settings.event_loop)
    return 0


def _set_webhook(_args: argparse.Namespace) -> int:
    from bot.app import Application, check_webhook_settings

    settings = _settings()
    base_url = check_webhook_settings(settings)

    async def main() -> None:
        app = await Application.create(settings)
        try:
            await app.set_webhook(base_url)
        finally:
            await app.close()

    asyncio.run(main())
    print(f"Webhook registered: {base_url.rstrip('/')}{settings.webhook_path}")
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from bot.setup import open_database, safe_url

    settings = _settings()

    async def main() -> None:
        engine = await open_database(settings)
        await engine.dispose()

    asyncio.run(main())
    print(f"Database {safe_url(settings.database_url)} is up to date.")
    return 0


def _health(_args: argparse.Namespace) -> int:
    """Ask the running bot's /healthz (HEALTH_PORT, else PORT) on this machine: for container checks."""
    import urllib.error
    import urllib.request

    settings = _settings()
    port = settings.health_port or settings.port
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as answer:
            healthy = answer.status == 200
    except (urllib.error.URLError, OSError):
        healthy = False
    print("healthy" if healthy else "unhealthy")
    return 0 if healthy else 1


def _purge(_args: argparse.Namespace) -> int:
    from bot.setup import build_context

    settings = _settings()

    async def main() -> None:
        ctx = await build_context(settings)
        try:
            async with ctx.sessions.begin() as session:
                from bot.services.container import Services

                purged = await Services(session, ctx).retention.purge()
        finally:
            await ctx.dispose()
        print(
            f"Rounds closed more than {settings.retention_days} days ago: {purged.respondents} respondents "
            f"unlinked from their contact, {purged.results_links} results links deleted."
        )

    asyncio.run(main())
    return 0


def build_parser() -> argparse.ArgumentParser:
    from bot.cli_rounds import add_round_commands
    from bot.cli_staff import add_staff_commands
    from bot.cli_surveys import add_survey_commands

    parser = argparse.ArgumentParser(
        prog="consultbot", description="A Telegram bot through which a city consults its residents."
    )
    parser.add_argument("--version", action="version", version=f"consultbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="run the bot with long polling").set_defaults(func=_run)
    commands.add_parser("webhook", help="serve Telegram's webhook (WEBHOOK_BASE_URL)").set_defaults(func=_run)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(func=_migrate)
    commands.add_parser("sender", help="deliver queued broadcasts, reminders and results").set_defaults(
        func=_sender
    )
    commands.add_parser(
        "set-webhook", help="register the webhook once for every bot process (WEBHOOK_BASE_URL)"
    ).set_defaults(func=_set_webhook)
    commands.add_parser("purge", help="apply RETENTION_DAYS now (the bot also does it)").set_defaults(
        func=_purge
    )
    commands.add_parser("health", help="exit 0 when the running bot answers /healthz").set_defaults(
        func=_health
    )
    add_survey_commands(commands)
    add_round_commands(commands)
    add_staff_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"consultbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
