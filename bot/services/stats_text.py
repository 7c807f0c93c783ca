"""The figures of a round as a short text, in a language: for staff in Telegram and for the CLI."""

from __future__ import annotations

from bot.errors import N_
from bot.services.labels import Translate, choice_label
from bot.services.stats import DIRECT, Figures, Tally
from bot.services.suppression import Hidden

LABEL_MAX = 48


def short(text: str, limit: int = LABEL_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def duration(seconds: float, language: str, t: Translate) -> str:
    minutes, rest = divmod(round(seconds), 60)
    if minutes >= 60:
        return t(N_("{h} h {m} min"), language).format(h=minutes // 60, m=minutes % 60)
    return t(N_("{m} min {s} s"), language).format(m=minutes, s=rest)


def category(figures: Figures, table: Tally, code: str, language: str, t: Translate) -> str:
    survey = figures.survey
    if table.question is not None:
        return short(choice_label(survey, table.question, code, language, t), 32)
    if table.key == "dropoff" and survey.has_question(code):
        return short(survey.question(code).label.get(language), 32) + f" ({code})"
    if table.key == "source" and code == DIRECT:
        return t(N_("direct (no link code)"), language)
    return code


def table_lines(figures: Figures, table: Tally, language: str, t: Translate) -> list[str]:
    k = figures.k
    if table.question is not None and table.table.total.hidden is Hidden.PRIMARY:
        return ["  " + t(N_("fewer than {k} answers"), language).format(k=k)]
    lines = [
        f"  • {category(figures, table, code, language, t)}: {cell.shown(k)}"
        for code, cell in zip(table.codes, table.table.cells, strict=True)
    ]
    return lines or ["  " + t(N_("(none)"), language)]


def title_of(figures: Figures, table: Tally, language: str, t: Translate) -> str:
    if table.question is not None:
        return short(table.question.label.get(language)) + f" ({table.key})"
    names = {
        "language": N_("By language"),
        "source": N_("By link"),
        "dropoff": N_("Where people stopped (started, not finished)"),
    }
    return t(names[table.key], language)


def render(figures: Figures, language: str, t: Translate, status: str) -> str:
    rnd, survey = figures.round, figures.survey
    title = rnd.title or survey.title.get(language)
    lines = [
        t(N_("Round {id} — {title}"), language).format(id=rnd.id, title=title),
        t(N_("Survey {survey} version {version} · {status}"), language).format(
            survey=survey.id, version=survey.version, status=status
        ),
    ]
    rate = figures.completion_rate
    lines.append(
        t(N_("Started: {started} · completed: {completed} ({rate})"), language).format(
            started=figures.started,
            completed=figures.completed,
            rate=f"{rate:.0%}" if rate is not None else "–",
        )
    )
    if figures.median_seconds is not None:
        lines.append(
            t(N_("Median time to complete: {duration}"), language).format(
                duration=duration(figures.median_seconds, language, t)
            )
        )
    lines.append(
        t(
            N_('Counts below {k} are shown as "<{k}"; "·" hides a count that would reveal them.'), language
        ).format(k=figures.k)
    )
    for table in (figures.dropoff, *figures.breakdowns, *figures.distributions):
        lines += ["", title_of(figures, table, language, t), *table_lines(figures, table, language, t)]
    return "\n".join(lines)
