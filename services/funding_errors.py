"""Domain errors of funding requests and budgets, each named after the rule it guards."""

from __future__ import annotations

from services.errors import N_, DomainError


class MayNotRequestFunding(DomainError):
    message = N_("Funding requests are made by village liaisons and town school staff, for their own unit.")


class AmountOverAllocation(DomainError):
    message = N_("{amount} is more than the whole annual budget of {unit} ({allocation}). Please check the amount.")


class FundingFormClosed(DomainError):
    message = N_("This funding form is no longer open. Start again with /fund.")


class RequestChanged(DomainError):
    message = N_("Request #{id} has changed since this button was sent: it is now «{what}». Nothing was changed.")


class NotYourReview(DomainError):
    message = N_("Request #{id} is not waiting for your review; nothing was changed.")


class NotYourRequest(DomainError):
    message = N_("Only the person who made request #{id} can do this; nothing was changed.")


class NotInThisState(DomainError):
    message = N_("Request #{id} is «{what}», so this cannot be done now; nothing was changed.")


class PartialOverRequested(DomainError):
    message = N_("The approved amount ({amount}) must be less than the {requested} requested. To approve it all, press ✅ Approve.")


class SpentOverApproved(DomainError):
    message = N_("The amount spent ({amount}) cannot be more than the {approved} disbursed.")


class ReceiptsNeeded(DomainError):
    message = N_("Please send at least one photo of the receipts before confirming.")


class ReasonNeeded(DomainError):
    message = N_("Please write a short reason, so the requester knows what to change.")


class DisbursedInFuture(DomainError):
    message = N_("The disbursement date {date} is in the future. Send the date the money was paid, or just a note for today.")


class NotAReviewer(DomainError):
    message = N_("{name} cannot review request #{id} at this step; nothing was changed.")


class UnknownUnitCode(DomainError):
    message = N_("There is no unit with the code “{code}”. Codes are in the roster, e.g. T1.")


class VillageBudgetIsTowns(DomainError):
    message = N_("{unit} spends from the budget of {town}: please record the extra allocation for {code}.")


class BadStandard(DomainError):
    message = N_("Write the standard per resident in 元, like /setstandard 1.5 (optionally a start date: /setstandard 2 2027-01-01).")


class BadAllocation(DomainError):
    message = N_("Write it like /allocate T1 5000 县财政追加: a unit code, an amount and a note.")


class NotYourBudget(DomainError):
    message = N_("You can see the budget of your own unit (school staff: also their villages).")


class AdminOnly(DomainError):
    message = N_("Only an admin can change budgets.")


class NoStuckReview(DomainError):
    message = N_("Request #{id} is not waiting for a review, so there is nothing to reassign.")


class FileTooLarge(DomainError):
    message = N_("This file is larger than {mb} MB; please send a smaller file or a photo of it.")


class NotYourRequestToSee(DomainError):
    message = N_("No funding request #{id} that you may open.")


class CardClosed(DomainError):
    message = N_("This card is no longer open; nothing was changed.")
