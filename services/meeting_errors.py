"""Domain errors of bodies and meetings, each named after the rule it guards."""

from __future__ import annotations

from services.errors import N_, DomainError


class MayNotSchedule(DomainError):
    message = N_("Only community-school staff (for their town and its villages) and coordinators can schedule meetings.")


class NoBodies(DomainError):
    message = N_("There is no body you can schedule a meeting for. Bodies come from the roster's 机构 column or /body.")


class BodyOutOfScope(DomainError):
    message = N_("You cannot schedule meetings for that body.")


class MeetingFormClosed(DomainError):
    message = N_("This meeting form is no longer open. Start again with /meeting.")


class UseTheButtons(DomainError):
    message = N_("Please use the buttons on the card: ✅ to confirm, ✏️ to change a field, ❌ to cancel.")


class NeedTime(DomainError):
    message = N_("Please give the starting time as well, e.g. 下周三下午3点 or 12月2日 15:00.")


class BadMeetingTime(DomainError):
    message = N_("I could not read a date and time in “{text}”. Write it like 下周三下午3点, 明天上午9点 or 12月2日 15:00.")


class BadRecurrence(DomainError):
    message = N_("I could not read a repeating schedule in “{text}”. Write it like 每周一上午9点 or 每季度第一个月10号上午9点.")


class NotOrganiser(DomainError):
    message = N_("Only the meeting's organiser or a coordinator can do this.")


class NotInvited(DomainError):
    message = N_("You are not invited to this meeting.")


class MeetingChanged(DomainError):
    message = N_("This meeting has been changed since; please use the buttons on the latest notice or in /meetings.")


class MeetingCancelled(DomainError):
    message = N_("This meeting has been cancelled.")


class MeetingStarted(DomainError):
    message = N_("This meeting has already started, so this can no longer be changed.")


class CheckInClosed(DomainError):
    message = N_("Check-in is open from {opens} until {closes}.")


class MinutesTooEarly(DomainError):
    message = N_("Minutes can be sent once the meeting has started.")


class NotMinutesFile(DomainError):
    message = N_("Please send the minutes as text, photos or a document (PDF, Word, Excel, up to 20 MB).")


class BadBodyCommand(DomainError):
    message = N_("Write it like: /body T1:校务委员会 4次 +13800000021 -13800000011 (unit code:name, yearly minimum, members to add or remove by mobile number).")


class UnknownUnit(DomainError):
    message = N_("There is no active unit with the code {code}.")


class UnknownPhone(DomainError):
    message = N_("Nobody active on the roster has the mobile number {phone}.")
