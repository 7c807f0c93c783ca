"""/mystats [code]: for each of a community worker's links, how many residents started and completed.
Counts only (small ones as "<K"): no answers, no names. Another person's link is refused."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.db.models import Role
from bot.errors import NotYourLink
from bot.services.container import Services
from bot.services.links import LinkCounts
from bot.services.roles import Access
from handlers.staff.gate import needs
from handlers.worker.common import shown

WORKER = needs(Role.WORKER)


async def line(services: Services, counted: LinkCounts, k: int, locale: str) -> str:
    link = counted.link
    rnd, survey = await services.runner.round_and_survey(link.round_id)
    text = _("• {title} (round {id}): started {started} · completed {completed}").format(
        title=rnd.title or survey.title.get(locale),
        id=rnd.id,
        started=shown(counted.started, k),
        completed=shown(counted.completed, k),
    )
    if link.revoked_at is not None:
        text += " · " + _("withdrawn")
    return text


async def on_mystats(
    message: Message, command: CommandObject, services: Services, access: Access, locale: str
) -> None:
    links = await services.links.of_worker(access.contact)
    asked = (command.args or "").strip()
    if asked:
        links = [c for c in links if c.link.code == asked]
        if not links:
            await services.audit.record(
                access.actor, "mystats.refused", "/mystats", role=access.role, detail={"asked": asked[:64]}
            )
            await message.answer(_(NotYourLink.user_message))
            return
    if not links:
        await message.answer(_("You have no link yet. Send /mylink to get one."))
        return
    k = services.ctx.settings.small_count_threshold
    lines = [_("Residents who came through your links:")]
    lines += [await line(services, counted, k, locale) for counted in links]
    lines += ["", _('Counts below {k} are shown as "<{k}", so that nobody can be recognised.').format(k=k)]
    await message.answer("\n".join(lines))


def build_router() -> Router:
    router = Router(name="worker-stats")
    router.message.register(on_mystats, Command("mystats"), flags=WORKER)
    return router
