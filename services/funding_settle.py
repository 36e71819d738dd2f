"""已结算: the requester reports what a disbursed request really cost, with photos of the receipts; the unspent
remainder returns to the budget the request drew on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services import drafts
from services.errors import StaleButton
from services.funding import save_files
from services.funding_errors import ReceiptsNeeded, SpentOverApproved
from services.funding_flow import close_form, coordinators_of, load, move, open_form, require_requester
from services.funding_notices import SETTLED, fixed, send_card
from services.money import BadAmount, format_fen, parse_amount
from services.people import Actor

KIND = "fund_settle"
NOTHING = ("0", "0元", "零", "零元", "没有", "无")


@dataclass(frozen=True)
class SettleForm:
    """Where the settlement stands: the amount question, or the card waiting for receipts and ✅."""

    step: str
    version: int
    request_id: int
    title: str
    approved: int
    spent: int | None
    receipts: int

    @property
    def back(self) -> int:
        return self.approved - (self.spent or 0)


@dataclass(frozen=True)
class Settled:
    request_id: int
    title: str
    spent: int
    back: int
    receipts: int


async def _form(session: AsyncSession, actor: Actor, data: dict, step: str, now: datetime, bump: bool = True) -> SettleForm:
    req, _place = await load(session, data["request_id"])
    if bump:
        version = (await drafts.save_draft(session, actor.person_id, kind=KIND, step=step, data=data, now=now)).version
    else:
        version = (await open_form(session, actor.person_id, KIND)).version
    return SettleForm(step, version, req.id, req.title, req.approved_fen or 0, data.get("spent"), len(data.get("files") or []))


async def open_settle(session: AsyncSession, actor: Actor, request_id: int, version: int, *, now: datetime) -> SettleForm:
    """Start reporting the spending of a disbursed request (only its requester)."""
    req, _place = await load(session, request_id)
    require_requester(actor, req, version, ("disbursed",))
    return await _form(session, actor, {"request_id": req.id, "version": version, "spent": None, "files": []}, "amount", now)


def read_spent(text: str, approved: int, lang: str) -> int:
    """The amount spent: a money amount up to the disbursed one, or 0 (零, 没有) when nothing was spent."""
    if text.strip() in NOTHING:
        return 0
    try:
        spent = parse_amount(text)
    except BadAmount as exc:
        if exc.reason == "zero":
            return 0
        raise
    if spent > approved:
        raise SpentOverApproved(amount=format_fen(spent, lang), approved=format_fen(approved, lang))
    return spent


async def answer_settle(session: AsyncSession, actor: Actor, text: str, *, now: datetime) -> SettleForm:
    """The typed amount spent; the card follows, waiting for receipt photos and ✅."""
    draft = await open_form(session, actor.person_id, KIND)
    req, _place = await load(session, draft.data["request_id"])
    data = dict(draft.data)
    data["spent"] = read_spent(text, req.approved_fen or 0, actor.lang)
    return await _form(session, actor, data, "card", now)


async def settle_state(session: AsyncSession, actor: Actor, *, now: datetime) -> SettleForm:
    """The open settlement form as it stands (after a receipt was added)."""
    draft = await open_form(session, actor.person_id, KIND)
    return await _form(session, actor, dict(draft.data), draft.step, now, bump=False)


async def confirm_settle(session: AsyncSession, actor: Actor, version: int, *, now: datetime, tz: ZoneInfo) -> Settled:
    """Record the spending and the receipts; the coordinators are told; the remainder is back in the budget."""
    draft = await open_form(session, actor.person_id, KIND, version)
    data = draft.data
    if data.get("spent") is None:
        raise StaleButton()
    files = data.get("files") or []
    if data["spent"] > 0 and not files:
        raise ReceiptsNeeded()
    req, place = await load(session, data["request_id"])
    require_requester(actor, req, data["version"], ("disbursed",))
    back = (req.approved_fen or 0) - data["spent"]
    note = f"实际支出 {format_fen(data['spent'])}，结余 {format_fen(back)} 退回预算；票据 {len(files)} 张"
    event = await move(session, req, actor.person_id, "settle", now=now, amount=data["spent"], reason=note,
                       spent_fen=data["spent"])
    await save_files(session, actor, req.id, files, now)
    await drafts.drop_draft(session, actor.person_id)
    today = now.astimezone(tz).date()
    await send_card(session, req.id, await coordinators_of(session, place, today), fixed(SETTLED, name=actor.name),
                    f"fund:{req.id}:{event}", now=now, tz=tz, with_buttons=False)
    return Settled(req.id, req.title, data["spent"], back, len(files))


async def cancel_settle(session: AsyncSession, actor: Actor, version: int) -> None:
    """❌ on the settlement: nothing is recorded."""
    await close_form(session, actor.person_id, KIND, version)
