"""Callback data of every inline button. Ids only, never labels: Telegram allows 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class OpenRoundCb(CallbackData, prefix="or"):
    """Open (or continue) round `r` from the list of open rounds."""

    r: int


class PrivacyCb(CallbackData, prefix="pv"):
    """The resident's answer to the privacy notice shown before round `r`."""

    r: int
    ok: bool


class AnswerCb(CallbackData, prefix="a"):
    """A choice on question index `q` of round `r`: `c` indexes the question's choice ids (the value
    itself for a scale)."""

    r: int
    q: int
    c: int


class NavCb(CallbackData, prefix="n"):
    """Navigation on the screen of question index `q` (-1: the review) of round `r`.

    `a` is one of: back, skip, done (select_multiple), redo (rank), page (`p` = page), edit (`p` = the
    question index to change, from the review), submit.
    """

    r: int
    q: int
    a: str
    p: int = 0


class StaffRoundCb(CallbackData, prefix="sr"):
    """A round picked for a staff action `a` (stats, export, round, close, reopen)."""

    a: str
    r: int


class ExportCb(CallbackData, prefix="sx"):
    """Export round `r` in format `f` (csv, xlsx, json)."""

    r: int
    f: str


class InviteCb(CallbackData, prefix="si"):
    """The role of a new invitation."""

    role: str


class GrantCb(CallbackData, prefix="sg"):
    """Give role `role` to the person with Telegram id `t` (typed by the admin in /grant)."""

    t: int
    role: str


class RevokeCb(CallbackData, prefix="sv"):
    """Take the role away from contact `c` (an internal id)."""

    c: int


class NewRoundCb(CallbackData, prefix="sn"):
    """A step of /newround: `a` is survey (v = survey version id), title, opens, closes (v = days, 0 for
    none), payload, test (v = 1/0), confirm or cancel."""

    a: str
    v: int = 0


class ForgetCb(CallbackData, prefix="fg"):
    """The resident's confirmation (or not) that everything about them should be deleted."""

    ok: bool


class WorkerRoundCb(CallbackData, prefix="wr"):
    """A round picked by a community worker for action `a` (mylink, assist)."""

    a: str
    r: int


class WorkerPosterCb(CallbackData, prefix="wp"):
    """The worker's own poster for round `r`, in language `lang`."""

    r: int
    lang: str


class LinkPosterCb(CallbackData, prefix="lp"):
    """The poster of staff's link `c` (a `w-` code), in language `lang`."""

    c: str
    lang: str


class AssistCb(CallbackData, prefix="as"):
    """A step of an assisted interview: `a` is lang (survey language `lang` of round `r` chosen), ok (the
    resident agreed), no (they did not), go (continue the unfinished one), drop (abandon it)."""

    a: str
    r: int = 0
    lang: str = ""


class NotifyAskCb(CallbackData, prefix="na"):
    """A resident's answer to a notifications question: `k` is "r" (results of round `r`) or "f" (future
    consultations)."""

    k: str
    r: int = 0
    ok: bool


class NotifyToggleCb(CallbackData, prefix="nx"):
    """/notifications: turn kind `k` ("f" future consultations, "r" results) on or off."""

    k: str
    on: bool


class JobCb(CallbackData, prefix="jb"):
    """A staff action `a` on outbox job `j`: ok (confirm), no (discard the draft), approve, cancel."""

    a: str
    j: int


class ResultsCb(CallbackData, prefix="rs"):
    """/results composing: `a` is lang (write the text for language `lang`) or preview."""

    a: str
    lang: str = ""
