"""Domain errors: each names the rule it guards and carries an English msgid rendered in one place."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a string for translation without translating it (gettext's no-op marker)."""
    return message


class DomainError(Exception):
    """A rule of the domain was broken; `message` is an English msgid rendered with gettext, formatted with `params`."""

    message = N_("Something went wrong. Please try again.")

    def __init__(self, **params: object) -> None:
        super().__init__(self.message)
        self.params = params


class NotOnRoster(DomainError):
    message = N_("You are not on the roster yet. Please ask your community school or the community college to add you, then send /start again.")


class NotSignedIn(DomainError):
    message = N_("Please sign in first: send /start and share your phone number.")


class Deactivated(DomainError):
    message = N_("Your account is no longer active on the roster. Please ask the community college if this is a mistake.")


class NotAllowed(DomainError):
    message = N_("You are not allowed to do this.")


class NotYourContact(DomainError):
    message = N_("Please share your own phone number with the button below, not someone else's contact.")


class PrivateChatOnly(DomainError):
    message = N_("Please use this command in a private chat with me.")


class TooLong(DomainError):
    message = N_("That text is too long ({length} characters); please keep it under {limit}.")


class BadDate(DomainError):
    message = N_("I could not find a valid date in “{text}”. Write it like 11月20日, 昨天 or 上周五.")


class BadNumber(DomainError):
    message = N_("“{text}” is not a number I can use here.")


class NothingToConfirm(DomainError):
    message = N_("This form is no longer open. Start again with /log.")


class StaleButton(DomainError):
    message = N_("This button is out of date; nothing was changed.")


class NotFound(DomainError):
    message = N_("That record no longer exists.")


class EditWindowClosed(DomainError):
    message = N_("Entries can be changed by their reporter for {days} days; please ask a coordinator to change this one.")


class UnitOutOfScope(DomainError):
    message = N_("You can only log activities for your own unit and the units under it.")


class BadRoster(DomainError):
    message = N_("This file is not a roster I can read: {reason}")


class RosterInvalid(DomainError):
    message = N_("The roster has {count} invalid rows; nothing was changed.")


class DateInFuture(DomainError):
    message = N_("An activity cannot be logged for a future date ({date}).")


class OutOfRange(DomainError):
    message = N_("{what} must be between {low} and {high}.")


class MinorsOverParticipants(DomainError):
    message = N_("Minors ({minors}) cannot be more than participants ({participants}).")


class NoRecentActivity(DomainError):
    message = N_("Photos join the activity you confirmed in the last {minutes} minutes; there is none. Log it first with /log.")


class FinishFormFirst(DomainError):
    message = N_("Please confirm or cancel the open form first, then send the photos.")


class UnknownCategory(DomainError):
    message = N_("Please pick one of the categories with the buttons.")
