"""`consultbot invite|grant|revoke|roles|stats|export|audit`: the staff's operations from the shell.

Actions from the CLI are audited with the actor `cli` (whoever runs it has the server, not a Telegram id).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.cli_rounds import _with_services
from bot.config import Settings
from bot.db.models import Role
from bot.errors import ConfigError, ReceiptNotFound
from bot.services.container import Services
from bot.services.exports import ExportFormat
from bot.services.labels import untranslated
from bot.services.round_admin import state_of, target
from bot.services.stats_text import render

CLI = "cli"


def add_staff_commands(commands: Any) -> None:
    invite = commands.add_parser("invite", help="make a single-use invitation link for a role")
    invite.add_argument("role", choices=[Role.STAFF.value, Role.WORKER.value, Role.ADMIN.value])
    invite.add_argument("organisation", nargs="?", default=None, help="a worker's organisation")
    invite.add_argument("--bot", default="<your bot>", help="the bot's username, to print the whole link")
    invite.set_defaults(func=lambda args: _with_services(_invite, args))
    grant = commands.add_parser("grant", help="give a role to a Telegram user id")
    grant.add_argument("telegram_id", type=int)
    grant.add_argument("role", choices=[r.value for r in Role])
    grant.add_argument("organisation", nargs="?", default=None)
    grant.set_defaults(func=lambda args: _with_services(_grant, args))
    revoke = commands.add_parser("revoke", help="take a role away (Telegram user id or actor id)")
    revoke.add_argument("who")
    revoke.set_defaults(func=lambda args: _with_services(_revoke, args))
    commands.add_parser("roles", help="list people with a role").set_defaults(
        func=lambda args: _with_services(_roles, args)
    )
    stats = commands.add_parser("stats", help="print a round's figures")
    stats.add_argument("round", type=int)
    stats.add_argument("--lang", default=None, help="language of the labels (default: DEFAULT_LOCALE)")
    stats.add_argument("--include-test", action="store_true", help="show a test round's figures")
    stats.set_defaults(func=lambda args: _with_services(_stats, args))
    export = commands.add_parser("export", help="write a round's answers to a file")
    export.add_argument("round", type=int)
    export.add_argument("--format", choices=[f.value for f in ExportFormat], default="csv")
    export.add_argument("--output", type=Path, required=True)
    export.add_argument("--labels", default=None, metavar="LANG", help="labels in LANG instead of codes")
    export.add_argument("--include-test", action="store_true", help="export a test round")
    export.set_defaults(func=lambda args: _with_services(_export, args))
    forget = commands.add_parser(
        "forget-receipt", help="delete the assisted interview a resident's receipt code belongs to"
    )
    forget.add_argument("code", help="the receipt code, e.g. K7QX-M3PD (case and dash do not matter)")
    forget.set_defaults(func=lambda args: _with_services(_forget_receipt, args))
    audit = commands.add_parser("audit", help="show the latest entries of the audit log")
    audit.add_argument("--limit", type=int, default=20)
    audit.set_defaults(func=lambda args: _with_services(_audit, args))


async def _invite(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    role = Role(args.role)
    if role is Role.WORKER and not args.organisation:
        raise ConfigError("a worker invitation needs the organisation: consultbot invite worker 'Name'")
    invitation = await services.invitations.create(role, by=CLI, organisation=args.organisation)
    await services.audit.record(
        CLI, "invite", f"role:{role.value}", detail={"organisation": args.organisation}
    )
    until = invitation.expires_at.astimezone(settings.tz)
    print(f"invitation for {role.value}, valid until {until:%Y-%m-%d %H:%M}")
    print(f"link: https://t.me/{args.bot}?start={invitation.code}")
    return 0


async def _grant(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    role = Role(args.role)
    if role is Role.WORKER and not args.organisation:
        raise ConfigError("a worker needs an organisation: consultbot grant ID worker 'Name'")
    contact, _row = await services.roles.grant(args.telegram_id, role, by=CLI, organisation=args.organisation)
    actor = await services.roles.actor_for(contact)
    await services.audit.record(CLI, "grant", f"actor:{actor}", detail={"role": role.value})
    print(f"person {actor} is now {role.value} (their menu changes when the bot next starts)")
    return 0


async def _revoke(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    holders = await services.roles.holders()
    contact = await services.roles.by_telegram_id(int(args.who)) if args.who.isdigit() else None
    match = [
        h for h in holders if h.actor == args.who or (contact is not None and h.contact_id == contact.id)
    ]
    if not match:
        raise ConfigError(f"nobody with a role matches {args.who!r} (see consultbot roles)")
    row = await services.roles.revoke(match[0].contact_id)
    if row is None:
        raise ConfigError(f"{args.who} has no role")
    await services.audit.record(CLI, "revoke", f"actor:{match[0].actor}", detail={"role": row.role.value})
    print(f"person {match[0].actor} no longer has a role")
    return 0


async def _roles(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    holders = await services.roles.holders()
    if not holders:
        print("nobody has a role yet" + ("" if settings.admin_ids else " (and ADMIN_IDS is empty)"))
        return 0
    print(f"{'actor':<14} {'role':<8} {'name':<24} organisation")
    for h in holders:
        print(
            f"{h.actor:<14} {h.role.value:<8} {(h.name or '-'):<24} {h.organisation or ''}"
            + ("  (ADMIN_IDS)" if h.configured else "")
        )
    return 0


async def _stats(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    figures = await services.stats.figures(args.round, include_test=args.include_test)
    language = args.lang or settings.default_locale
    print(render(figures, language, untranslated, state_of(figures.round, services.ctx.clock.now()).value))
    return 0


async def _export(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    """The export reads one snapshot in a transaction of its own that takes no write lock, so a running
    bot goes on saving answers meanwhile; the audit entry is written afterwards."""
    with tempfile.TemporaryDirectory(prefix="consultbot-export-") as directory:
        async with services.snapshot(commit_first=False) as reading:
            exported = await reading.exports.export(
                args.round,
                ExportFormat(args.format),
                Path(directory),
                labels=args.labels,
                include_test=args.include_test,
            )
        args.output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(exported.path, args.output)
    await services.audit.record(
        CLI, "export", target(args.round), detail={"format": args.format, "responses": exported.responses}
    )
    print(f"{args.output}: {exported.responses} responses ({exported.completed} completed)")
    return 0


async def _forget_receipt(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    try:
        round_id = await services.assisted.forget(args.code)
    except ReceiptNotFound:
        print("no answers have this receipt code (mistyped, or already deleted)", file=sys.stderr)
        return 1
    await services.audit.record(CLI, "receipt.forget", target(round_id))
    print(f"deleted the assisted interview's answers (round {round_id})")
    return 0


async def _audit(services: Services, settings: Settings, args: argparse.Namespace) -> int:
    for entry in await services.audit.latest(max(1, args.limit)):
        detail = " ".join(f"{k}={v}" for k, v in (entry.detail or {}).items() if v is not None)
        who = entry.actor or "-"
        print(
            f"{entry.at.astimezone(settings.tz):%Y-%m-%d %H:%M:%S} {who:<14} {entry.action:<20} "
            f"{entry.target or '':<18} {detail}".rstrip()
        )
    return 0
