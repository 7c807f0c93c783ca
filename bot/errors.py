"""One error tree for consultbot.

A `ConsultError` carries what the person may be told, as an English msgid marked for translation; the
error router translates it. Nothing here imports aiogram, so services raise these freely.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (translated where it is shown)."""
    return message


class ConfigError(Exception):
    """The deployment is misconfigured; the message says what to fix, in one line."""


class ConsultError(Exception):
    """A failure the person may be told about."""

    user_message = N_("Something went wrong. Please try again.")


class TryAgainLater(ConsultError):
    """A passing fault (database hiccup): nothing was saved, the same action can be repeated."""

    user_message = N_(
        "Sorry, I could not save that just now. Nothing was lost: please try again in a moment."
    )


class ReadLater(TryAgainLater):
    """A passing fault while reading, not saving (an export): nothing changed, it can be asked again."""

    user_message = N_(
        "Sorry, I could not read the answers just now. Nothing was changed: please try again in a moment."
    )


class StaleAction(ConsultError):
    """A button from an older message, or an action that no longer applies."""

    user_message = N_("This button is from an earlier message. Here is where you are now.")


class RoundNotFound(ConsultError):
    user_message = N_("I don't know this consultation. Here are the ones that are open now.")


class RoundClosed(ConsultError):
    user_message = N_("This consultation is closed. Thank you for your interest!")


class RoundNotOpenYet(ConsultError):
    user_message = N_("This consultation has not opened yet. Please come back later.")


class AlreadySubmitted(ConsultError):
    user_message = N_("You have already answered this consultation. Thank you!")


def user_error_for(exc: BaseException) -> ConsultError | None:
    """What to tell the person about an unexpected exception, when it is one we understand."""
    from sqlalchemy.exc import DBAPIError, IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(exc, ConsultError):
        return exc
    if isinstance(exc, StaleDataError | IntegrityError):
        # Another update of the same person won the race (two taps at once): theirs is saved.
        return StaleAction()
    if isinstance(exc, DBAPIError | OSError | TimeoutError):
        return TryAgainLater()
    return None


class InvitationInvalid(ConsultError):
    """An invitation code that is unknown, already used or expired."""

    user_message = N_("This invitation link no longer works: it was used or it expired. Ask for a new one.")


class ConfiguredAdmin(ConsultError):
    """A role change asked for a person who is an admin through ADMIN_IDS (configuration owns them)."""

    user_message = N_(
        "This person is an admin through the ADMIN_IDS setting. To take the role away, remove them "
        "from ADMIN_IDS and restart the bot."
    )


class StaffRoundNotFound(ConsultError):
    """Staff named a round that does not exist."""

    user_message = N_("There is no round with this number. Send /rounds to see them.")


class TestRoundExcluded(ConsultError):
    """A test round's answers are left out of figures and exports unless asked for."""

    user_message = N_(
        "This is a test round: its answers are left out of figures and exports. Add the word "
        "'test' to the command (for example /stats 3 test) to see them anyway."
    )


class AlreadyAdmin(ConsultError):
    """An admin opened an invitation: it would lower their role, so it is left unused."""

    user_message = N_("You are already an admin: this invitation was left unused for someone else.")


class LinkUnavailable(ConsultError):
    """A resident opened a survey link that is unknown or was withdrawn."""

    user_message = N_("This link no longer works. Here are the consultations open now.")


class LinkRevoked(ConsultError):
    """A worker asked for their link to a round after staff withdrew it."""

    user_message = N_(
        "Your link to this round was withdrawn by the City's staff. Please ask them if you need a new one."
    )


class LinkNotFound(ConsultError):
    """Staff named a link code that does not exist."""

    user_message = N_("There is no link with this code. Send /links <round> to see them.")


class NotYourLink(ConsultError):
    """A worker asked for the figures of a link that is not theirs (or does not exist: same answer)."""

    user_message = N_("You can only see the figures of your own links. Send /mystats to see them.")


class RoundNotOpenForWork(ConsultError):
    """A worker asked for a link to, or an interview in, a round that is closed."""

    user_message = N_("This round is closed: it takes no more answers. Send /mylink to see the open ones.")


class AssistInProgress(ConsultError):
    """A worker started an assisted interview while another is still unfinished."""

    user_message = N_("You are in the middle of an assisted interview. Finish it first, or abandon it.")


class ReceiptNotFound(ConsultError):
    """No assisted response has this receipt code (mistyped, or already deleted)."""

    user_message = N_("No answers have this receipt code. Check it, or they were already deleted.")


class WorkerRoundNotFound(ConsultError):
    """A worker named a round that does not exist."""

    user_message = N_("There is no consultation with this number. Send /mylink to choose one.")
