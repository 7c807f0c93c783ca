"""`consultbot round …`: open, close and list rounds from the shell (works while the bot runs)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.errors import ConfigError, ConsultError
from bot.services.container import Services
from bot.services.rounds import InvalidRound
from bot.services.surveys import VersionConflict
from surveys import SurveyLoadError, missing_translations


def add_round_commands(commands: Any) -> None:
    rounds = commands.add_parser("round", help="open, close and list consultation rounds")
    actions = rounds.add_subparsers(dest="round_command", required=True, metavar="ACTION")
    opening = actions.add_parser("open", help="open a round of a survey (file or id)")
    opening.add_argument("survey", help="a survey YAML file, or the id of a stored survey")
    opening.add_argument("--version", type=int, default=None, help="survey version (default: latest)")
    opening.add_argument("--title", default=None)
    opening.add_argument(
        "--opens", default=None, help="when it opens (YYYY-MM-DD HH:MM, city time; default now)"
    )
    opening.add_argument("--closes", default=None, help="when it closes (YYYY-MM-DD HH:MM, city time)")
    opening.add_argument("--payload", default=None, help="deep-link code: letters, digits, _")
    opening.add_argument("--test", action="store_true", help="a test round: excluded from stats")
    opening.set_defaults(func=lambda args: _with_services(_open, args))
    closing = actions.add_parser("close", help="close a round now")
    closing.add_argument("round", type=int)
    closing.set_defaults(func=lambda args: _with_services(_close, args))
    listing = actions.add_parser("list", help="list rounds")
    listing.set_defaults(func=lambda args: _with_services(_list, args))


def parse_city_time(value: str, settings: Settings) -> datetime:
    """A date or date-time typed in the city's time zone, as an aware datetime."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ConfigError(f"{value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DD HH:MM") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.tz)


def _with_services(action: Any, args: argparse.Namespace) -> int:
    from bot.cli import _settings
    from bot.setup import build_context

    settings = _settings()

    async def main() -> int:
        ctx = await build_context(settings)
        try:
            async with ctx.sessions.begin() as session:
                code: int = await action(Services(session, ctx), settings, args)
                return code
        finally:
            await ctx.dispose()

    try:
        return asyncio.run(main())
    except SurveyLoadError as exc:
        raise ConfigError(f"the survey file is invalid:\n{exc}") from exc
    except (InvalidRound, VersionConflict) as exc:
        raise ConfigError(str(exc)) from exc
    except ConsultError as exc:
        raise ConfigError(exc.user_message) from exc


def _read_if_file(path: Path) -> str | None:
    """The survey file's text, None when SURVEY names a stored survey rather than a file."""
    if path.is_file():
        return path.read_text(encoding="utf-8")
    if path.suffix in {".yaml", ".yml"}:
        raise ConfigError(f"{path}: no such file")
    return None


async def _open(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.survey)
    source = await asyncio.to_thread(_read_if_file, path)
    if source is not None:
        stored = await services.surveys.store(source, path.name)
        version = stored.row
        if args.version is not None and args.version != version.version:
            raise ConfigError(f"{path} is version {version.version}, not {args.version}")
    else:
        found = await services.surveys.get(args.survey, args.version)
        if found is None:
            raise ConfigError(
                f"no stored survey {args.survey!r}" + (f" version {args.version}" if args.version else "")
            )
        version = found
    opens = parse_city_time(args.opens, settings) if args.opens else None
    closes = parse_city_time(args.closes, settings) if args.closes else None
    rnd = await services.rounds.open_round(
        version, title=args.title, opens_at=opens, closes_at=closes, payload=args.payload, is_test=args.test
    )
    print(f"round {rnd.id} opened: survey {version.slug} v{version.version}")
    survey = await services.ctx.surveys.parse(version.source)
    for language, places in missing_translations(survey).items():
        if places:
            fallback = survey.default_language
            print(f"warning: {language} is incomplete, {len(places)} texts will show in {fallback}")
    print(f"payload: {rnd.payload}")
    print(f"link: https://t.me/<your bot>?start={rnd.payload}")
    return 0


async def _close(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    rnd = await services.rounds.close(args.round)
    print(
        f"round {rnd.id} closed at {rnd.closed_at.astimezone(settings.tz):%Y-%m-%d %H:%M}"
        if rnd.closed_at
        else ""
    )
    return 0


async def _list(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    now = services.ctx.clock.now()
    summaries = await services.rounds.summaries()
    if not summaries:
        print("no rounds yet")
        return 0
    print(f"{'id':>4}  {'status':<9} {'survey':<28} {'payload':<24} {'started':>7} {'done':>5}  closes")
    for s in summaries:
        rnd = s.round
        status = (
            "open"
            if rnd.is_open(now)
            else ("scheduled" if rnd.opens_at > now and rnd.closed_at is None else "closed")
        )
        if rnd.is_test:
            status += "*"
        closes = f"{rnd.closes_at.astimezone(settings.tz):%Y-%m-%d %H:%M}" if rnd.closes_at else "-"
        survey = f"{s.slug} v{s.version}"
        counts = f"{s.started:>7} {s.completed:>5}"
        print(f"{rnd.id:>4}  {status:<9} {survey:<28} {rnd.payload:<24} {counts}  {closes}")
    return 0
