"""Domain errors of the digest, statistics and exports, each named after the rule it guards."""

from __future__ import annotations

from services.errors import N_, DomainError


class BadWeek(DomainError):
    message = N_("“{text}” is not an ISO week; write it like 2026-W47.")


class BadPeriod(DomainError):
    message = N_("I do not know the period “{text}”. Use 本周, 上周, 本月, 上月, 今年 or a month like 2026-11.")


class PeriodInFuture(DomainError):
    message = N_("The period “{text}” has not started yet.")


class MayNotSeeStats(DomainError):
    message = N_("Statistics are for community-school staff, coordinators and leaders.")


class MayNotSeeDigest(DomainError):
    message = N_("The weekly digest is for coordinators and leaders.")


class MayNotExport(DomainError):
    message = N_("Exports are for coordinators.")


class MayNotBindChat(DomainError):
    message = N_("Only coordinators and admins can choose where the weekly digest goes.")


class GroupChatOnly(DomainError):
    message = N_("Send /setchat digest in the group that should receive the weekly digest (add me to the group first).")


class BadSetchat(DomainError):
    message = N_(
        "Use /setchat digest in a group, or in a private chat with me: /setchat wecom URL, /setchat dingtalk URL SECRET, "
        "/setchat feishu URL [SECRET]. Add a unit code to limit the digest to that unit, and write off to stop it."
    )


class BadWebhook(DomainError):
    message = N_("This does not look like a {what} webhook address: {url}")


class UnknownUnit(DomainError):
    message = N_("There is no unit with the code “{code}”.")


class NoBinding(DomainError):
    message = N_("No weekly digest is sent here, so there was nothing to stop.")
