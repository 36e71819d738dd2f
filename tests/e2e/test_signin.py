"""Sign-in through the real Application: /start, sharing the contact, strangers, languages, groups."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import ChatAccount
from tests.support.factories import LIAISON, load_roster


async def _accounts(rt) -> int:
    async with rt.db.begin() as s:
        return await s.scalar(select(func.count()).select_from(ChatAccount))


async def test_start_asks_for_the_phone_with_a_contact_button(rt, app, person, api):
    await load_roster(rt)
    replies = await person(501).send("/start")
    assert "手机号" in replies[0]
    markup = api.sent(501)[-1].params["reply_markup"]
    assert "request_contact" in str(markup)


async def test_own_contact_binds_and_greets_with_name_unit_and_role(rt, app, person):
    await load_roster(rt)
    replies = await person(501).share_contact("+86 138 0013 8000")
    assert "曲亮" in replies[0] and "古城村" in replies[0] and "联络员" in replies[0]
    assert await _accounts(rt) == 1


async def test_someone_elses_contact_is_refused(rt, app, person):
    await load_roster(rt)
    replies = await person(501).share_contact(LIAISON, own=False)
    assert "自己的手机号" in replies[0]
    assert await _accounts(rt) == 0


async def test_stranger_is_told_whom_to_ask_and_can_do_nothing(rt, app, person):
    await load_roster(rt)
    p = person(502)
    replies = await p.share_contact("13912345678")
    assert "不在花名册" in replies[0] and "社区学院" in replies[0]
    replies = await p.send("/log 昨天 讲座 30人")
    assert "/start" in replies[0]
    assert await _accounts(rt) == 0


async def test_english_user_gets_english(rt, app, person):
    await load_roster(rt)
    replies = await person(503, language_code="en").share_contact(LIAISON)
    assert replies[0].startswith("Hello, 曲亮")


async def test_unknown_language_gets_chinese(rt, app, person):
    await load_roster(rt)
    replies = await person(504, language_code="fr").share_contact(LIAISON)
    assert "您好" in replies[0]


async def test_commands_in_a_group_point_to_the_private_chat(rt, app, person):
    await load_roster(rt)
    p = person(505)
    await p.share_contact(LIAISON)
    p.chat_id = -100123
    replies = await p.send("/log 昨天 讲座 30人")
    assert "私聊" in replies[0]


async def test_telegram_service_accounts_never_count_as_people(rt, app, person):
    await load_roster(rt)
    replies = await person(1087968824).send("/my")
    assert "/start" in replies[0]
