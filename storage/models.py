"""The database schema: every table of the bot, SQLAlchemy 2 declarative models.

Money is integer fen (BigInteger), times are tz-aware UTC (`UTCDateTime`), dates are local
calendar dates in the deployment's zone. Nothing here knows about Telegram.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


# --- roster -------------------------------------------------------------------------------


class Unit(Base):
    """A node of the three-level network: county, college, town, village or department."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (
        CheckConstraint("level IN ('county','college','town','village','department')", name="level"),
    )


class Person(Base):
    """Someone on the roster; `phone` is the normalised 11-digit mobile number."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RoleAssignment(Base):
    """A role held by a person in a unit from `start_on` until `end_on` (exclusive; open when null)."""

    __tablename__ = "role_assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(16))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (
        CheckConstraint("role IN ('liaison','school_staff','coordinator','leader','admin')", name="role"),
    )


class ChatAccount(Base):
    """A Telegram account bound to a roster person after sharing their phone number."""

    __tablename__ = "chat_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    tg_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    language_code: Mapped[str | None] = mapped_column(String(16))
    bound_at: Mapped[datetime]
    unreachable_at: Mapped[datetime | None]


class Body(Base):
    """A body that must meet (领导小组, 办公室, 校务委员会 …) within a unit, with its yearly minimum."""

    __tablename__ = "bodies"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(100))
    min_per_year: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (UniqueConstraint("unit_id", "name"),)


class BodyMember(Base):
    __tablename__ = "body_members"
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# --- activities -----------------------------------------------------------------------------


class Activity(Base):
    """One logged activity of a unit; soft-deleted with `deleted_at`."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    occurred_at: Mapped[datetime | None]
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    target_groups: Mapped[list[Any]] = mapped_column(default=list)
    participants: Mapped[int] = mapped_column(Integer)
    minors: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    place: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    __table_args__ = (
        Index("ix_activities_unit_day", "unit_id", "occurred_on"),
        Index("ix_activities_day", "occurred_on"),
        CheckConstraint("participants >= 0 AND minors >= 0 AND minors <= participants", name="counts"),
    )


class Attachment(Base):
    """A file kept for a record (activity photo, funding receipt, meeting minutes)."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    tg_file_id: Mapped[str] = mapped_column(String(255))
    tg_file_unique_id: Mapped[str] = mapped_column(String(64))
    path: Mapped[str | None] = mapped_column(String(500))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    __table_args__ = (
        UniqueConstraint("owner_type", "owner_id", "tg_file_unique_id"),
        Index("ix_attachments_owner", "owner_type", "owner_id"),
    )


# --- funding and budgets --------------------------------------------------------------------


class FundingRequest(Base):
    """A request for money for a project; `state` follows the path in services/funding."""

    __tablename__ = "funding_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    approved_fen: Mapped[int | None] = mapped_column(BigInteger)
    spent_fen: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    over_budget_override: Mapped[bool] = mapped_column(Boolean, default=False)
    waiting_since: Mapped[datetime | None]
    last_nudged_on: Mapped[date | None] = mapped_column(Date)
    disbursed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every transition: buttons carry it
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)


class FundingEvent(Base):
    """One transition of a funding request: who, when, from which state to which, why, how much."""

    __tablename__ = "funding_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("funding_requests.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class FundingLink(Base):
    __tablename__ = "funding_links"
    request_id: Mapped[int] = mapped_column(ForeignKey("funding_requests.id"), primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), primary_key=True)


class BudgetStandard(Base):
    """The per-resident standard in fen for a county from a date on; a new row keeps the history."""

    __tablename__ = "budget_standards"
    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    per_resident_fen: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime]


class BudgetExtra(Base):
    """An extra allocation recorded by an admin for a unit and year."""

    __tablename__ = "budget_extras"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    set_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime]


# --- meetings -----------------------------------------------------------------------------


class Meeting(Base):
    """A meeting of a body; `starts_at` in UTC; `series_rule` set for recurring meetings."""

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    place: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    series_rule: Mapped[str | None] = mapped_column(String(100))
    series_id: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="scheduled")
    version: Mapped[int] = mapped_column(Integer, default=1)
    minutes_text: Mapped[str | None] = mapped_column(Text)
    minutes_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (
        Index("ix_meetings_state_start", "state", "starts_at"),
        UniqueConstraint("series_id", "starts_at"),  # a series' next occurrence is created once
    )


class MeetingAttendee(Base):
    __tablename__ = "meeting_attendees"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    rsvp: Mapped[str] = mapped_column(String(8), default="none")
    reason: Mapped[str] = mapped_column(Text, default="")
    checked_in_at: Mapped[datetime | None]


class MeetingReminder(Base):
    """A reminder wave that has been queued: one row per (meeting, offset, start) so it runs once."""

    __tablename__ = "meeting_reminders"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    offset_s: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime]
    queued_at: Mapped[datetime]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    recipients: Mapped[int] = mapped_column(Integer, default=0)  # 0 when a nearer offset due at the same sweep superseded it
    __table_args__ = (UniqueConstraint("meeting_id", "offset_s", "starts_at"),)


# --- digest ---------------------------------------------------------------------------------


class DigestBinding(Base):
    """Where a unit's weekly digest goes: a Telegram chat or a WeCom/DingTalk/Feishu robot webhook."""

    __tablename__ = "digest_bindings"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class DigestRun(Base):
    """A digest for one ISO week sent to one binding: the unique pair makes it exactly once."""

    __tablename__ = "digest_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    binding_id: Mapped[int] = mapped_column(ForeignKey("digest_bindings.id"))
    week: Mapped[str] = mapped_column(String(8))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    queued_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("binding_id", "week", "attempt"),)


# --- plumbing: inbox, outbox, drafts, audit --------------------------------------------------


class InboxUpdate(Base):
    """Every update received, stored before it is acknowledged; processed once, in order."""

    __tablename__ = "inbox"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    __table_args__ = (Index("ix_inbox_pending", "processed_at", "update_id"),
                      Index("ix_inbox_user", "user_id", "update_id"))  # a person's earliest unprocessed update


class OutboxMessage(Base):
    """A message that must follow a commit; sent by the outbox sender, paced and retried."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="telegram")
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    target: Mapped[str | None] = mapped_column(String(500))
    method: Mapped[str] = mapped_column(String(32), default="sendMessage")
    payload: Mapped[dict[str, Any]]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    not_before: Mapped[datetime]
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_outbox_due", "state", "not_before"),)


class Draft(Base):
    """A half-filled form, keyed by person, so a restart or another worker loses nothing typed."""

    __tablename__ = "drafts"
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]


class AuditEntry(Base):
    """Who changed what, when, with the record before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
