"""Staff's links for an organisation or a channel: /link new <round> <label>, /links <round>,
/link revoke <code>. Lists show labels, codes and counts, never who owns a worker's link."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import LinkKind, Role
from bot.services.container import Services
from bot.services.links import LinkCounts
from bot.services.roles import Access
from bot.services.round_admin import target
from handlers.callbacks import LinkPosterCb, StaffRoundCb
from handlers.staff.common import parse_round, round_picker
from handlers.staff.gate import needs
from handlers.worker.common import shown
from handlers.worker.media import send_link_files, send_poster

STAFF = needs(Role.STAFF)


def usage() -> str:
    return _(
        "Usage:\n"
        "/link new <round> <label> — a link for an organisation or a channel (a poster campaign, a school)\n"
        "/link revoke <code> — the link stops working\n"
        "/links <round> — a round's links and their figures"
    )


def link_line(counted: LinkCounts, k: int) -> str:
    link = counted.link
    kind = _("community worker") if link.kind is LinkKind.WORKER else _("campaign")
    line = _("• {label} ({kind}) — {code}\n   started: {started} · completed: {completed}").format(
        label=link.label,
        kind=kind,
        code=link.code,
        started=shown(counted.started, k),
        completed=shown(counted.completed, k),
    )
    if link.revoked_at is not None:
        line += " · " + _("withdrawn")
    return line


async def on_link(
    message: Message,
    command: CommandObject,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
    locale: str,
) -> None:
    words = (command.args or "").split(maxsplit=2)
    action = words[0].lower() if words else ""
    if action == "new" and len(words) == 3 and words[1].isdigit() and words[2].strip():
        round_id = int(words[1])
        link = await services.links.create(round_id, words[2], by=access.actor)
        await services.audit.record(
            access.actor, "link.create", target(round_id), role=access.role, detail={"label": link.label}
        )
        label = link.label

        def intro(title: str, url: str) -> str:
            text = _("New link for “{label}” to “{title}”:\n{link}")
            return text.format(label=label, title=title, link=url)

        await send_link_files(
            bot,
            message.chat.id,
            link,
            locale,
            services,
            ctx,
            intro,
            lambda code: LinkPosterCb(c=link.code, lang=code).pack(),
        )
    elif action == "revoke" and len(words) == 2:
        link = await services.links.revoke(words[1])
        await services.audit.record(
            access.actor,
            "link.revoke",
            target(link.round_id),
            role=access.role,
            detail={"label": link.label, "kind": link.kind.value},
        )
        await message.answer(
            _(
                "Done: the link {code} ({label}) no longer works. Answers already given through it stay "
                "counted."
            ).format(code=link.code, label=link.label)
        )
    else:
        await message.answer(usage())


async def send_links(chat_id: int, round_id: int, bot: Bot, services: Services) -> None:
    links = await services.links.of_round(round_id)
    if not links:
        await bot.send_message(
            chat_id,
            _("Round {id} has no links yet. Make one with /link new {id} <label>.").format(id=round_id),
        )
        return
    k = services.ctx.settings.small_count_threshold
    lines = [_("Links of round {id}:").format(id=round_id), *(link_line(c, k) for c in links)]
    lines += ["", _('Counts below {k} are shown as "<{k}".').format(k=k)]
    await bot.send_message(chat_id, "\n".join(lines))


async def on_links(message: Message, command: CommandObject, bot: Bot, services: Services) -> None:
    round_id, _words = parse_round(command.args)
    if round_id is None:
        text, keyboard = await round_picker(services, "links", _("Links of which round?"))
        await message.answer(text, reply_markup=keyboard)
        return
    await send_links(message.chat.id, round_id, bot, services)


async def on_pick(query: CallbackQuery, callback_data: StaffRoundCb, bot: Bot, services: Services) -> None:
    await query.answer()
    await send_links(query.from_user.id, callback_data.r, bot, services)


async def on_poster(
    query: CallbackQuery, callback_data: LinkPosterCb, bot: Bot, services: Services, ctx: AppContext
) -> None:
    await query.answer()
    link = await services.links.get(callback_data.c)
    if link is None or callback_data.lang not in ctx.languages:
        return
    await send_poster(bot, query.from_user.id, link, callback_data.lang, services, ctx)


def build_router() -> Router:
    router = Router(name="staff-links")
    router.message.register(on_link, Command("link"), flags=STAFF)
    router.message.register(on_links, Command("links"), flags=STAFF)
    router.callback_query.register(on_pick, StaffRoundCb.filter(F.a == "links"), flags=STAFF)
    router.callback_query.register(on_poster, LinkPosterCb.filter(), flags=STAFF)
    return router
