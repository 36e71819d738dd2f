"""Reading and showing money: parse_amount, find_amount, format_fen."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.errors import DomainError
from services.money import MAX_FEN, BadAmount, find_amount, format_fen, parse_amount

GOOD = [
    ("1500", 150000, "plain"),
    ("1,500", 150000, "comma-grouped"),
    ("1，500", 150000, "fullwidth-comma-grouped"),
    ("1500元", 150000, "yuan"),
    ("1500块", 150000, "kuai"),
    ("1500块钱", 150000, "kuai-qian"),
    ("¥1500", 150000, "yen-sign"),
    ("￥1500", 150000, "fullwidth-yen-sign"),
    ("RMB 1500", 150000, "RMB-prefix"),
    ("rmb1500", 150000, "rmb-lowercase-no-space"),
    ("人民币1500元", 150000, "renminbi-prefix"),
    ("1500.50", 150050, "two-decimals"),
    ("1500.5元", 150050, "one-decimal-yuan"),
    ("0.01", 1, "one-fen"),
    ("1500.500", 150050, "trailing-zero-decimals"),
    ("1.5万", 1500000, "decimal-wan"),
    ("1.234567万", 1234567, "wan-down-to-fen"),
    ("1.5万元", 1500000, "decimal-wan-yuan"),
    ("2万", 2000000, "wan"),
    ("5千", 500000, "arabic-qian"),
    ("一千五百元", 150000, "chinese-yuan"),
    ("一千五", 150000, "colloquial-yiqianwu"),
    ("一千五百", 150000, "chinese-full"),
    ("两千", 200000, "liang-qian"),
    ("三万五", 3500000, "colloquial-sanwanwu"),
    ("两百五", 25000, "colloquial-liangbaiwu"),
    ("一千五百五", 155000, "colloquial-after-full-hundreds"),
    ("一千零五", 100500, "ling-keeps-units"),
    ("一万二千五百元", 1250000, "chinese-wan-qian-bai"),
    ("壹仟伍佰元", 150000, "financial-numerals"),
    ("壹仟伍佰元整", 150000, "financial-numerals-zheng"),
    ("一千五百点五元", 150050, "chinese-decimal-point"),
    ("一点五万元", 1500000, "chinese-decimal-wan"),
    ("3万5千元", 3500000, "mixed-digits-units"),
    ("1500元整", 150000, "yuan-zheng"),
    (" 1500 ", 150000, "surrounding-spaces"),
    ("1500 元", 150000, "space-before-unit"),
    ("１５００", 150000, "fullwidth-digits"),
    ("１５００元", 150000, "fullwidth-digits-yuan"),
    ("CNY 1,500.00", 150000, "english-display-form"),
    ("1,500.00 元", 150000, "chinese-display-form"),
    ("10000000", MAX_FEN, "exactly-the-cap"),
]

BAD = [
    ("1500.555", "too_precise", "three-decimals"),
    ("1.2345678万", "too_precise", "wan-below-fen"),
    ("0.001", "too_precise", "tenth-of-fen"),
    ("-5", "negative", "minus"),
    ("−5", "negative", "unicode-minus"),
    ("-¥1500", "negative", "minus-before-yen"),
    ("¥-1500", "negative", "minus-after-yen"),
    ("负五百", "negative", "chinese-fu"),
    ("0", "zero", "zero"),
    ("0.00元", "zero", "zero-decimals"),
    ("零元", "zero", "chinese-zero"),
    ("-0", "zero", "minus-zero"),
    ("1e9", "unreadable", "scientific-notation"),
    ("很多钱", "unreadable", "words"),
    ("", "unreadable", "empty"),
    ("   ", "unreadable", "blank"),
    ("¥", "unreadable", "sign-only"),
    ("万元", "unreadable", "unit-only"),
    ("1500 2000", "unreadable", "two-numbers"),
    ("1500元2000元", "unreadable", "two-amounts"),
    ("1,50", "unreadable", "bad-grouping"),
    ("1.5.1", "unreadable", "two-points"),
    ("--1500", "unreadable", "double-minus"),
    ("$1500", "unreadable", "dollars"),
    ("1" * 60, "unreadable", "absurdly-long"),
    ("10000000.01", "too_large", "one-fen-over-cap"),
    ("一亿元", "too_large", "yi"),
    ("13800138000", "too_large", "phone-number"),
]


@pytest.mark.parametrize(("text", "fen"), [(t, f) for t, f, _ in GOOD], ids=[i for *_, i in GOOD])
def test_parse_amount_reads_what_people_write(text: str, fen: int) -> None:
    assert parse_amount(text) == fen


@pytest.mark.parametrize(("text", "reason"), [(t, r) for t, r, _ in BAD], ids=[i for *_, i in BAD])
def test_parse_amount_refuses_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(BadAmount) as caught:
        parse_amount(text)
    assert caught.value.params["reason"] == reason
    assert caught.value.reason == reason
    assert caught.value.params["text"] == text.strip()[:50]


def test_bad_amount_is_a_domain_error_with_a_message_per_reason() -> None:
    with pytest.raises(DomainError) as caught:
        parse_amount("abc")
    assert caught.value.message == BadAmount.message
    assert "{text}" in BadAmount.message
    too_large = BadAmount(text="2亿", reason="too_large", limit="10,000,000")
    assert too_large.message.format(**too_large.params).startswith("The amount “2亿” is over the limit of 10,000,000")
    for reason, message in BadAmount.by_reason.items():
        assert BadAmount(text="x", reason=reason, limit="1").message == message
    with pytest.raises(ValueError):
        BadAmount(text="x", reason="no-such-reason")


def test_parse_amount_cap_is_a_parameter() -> None:
    assert parse_amount("500", max_fen=50_000) == 50_000
    with pytest.raises(BadAmount) as caught:
        parse_amount("500.01", max_fen=50_000)
    assert caught.value.params == {"text": "500.01", "reason": "too_large", "limit": "500"}
    with pytest.raises(BadAmount) as caught:
        parse_amount("2", max_fen=150)
    assert caught.value.params["limit"] == "1.50"


IN_SENTENCES = [
    ("老年大学书法班 1500元 购买笔墨纸砚", 150000, "1500元", "spaced-yuan"),
    ("书法班1500元购买笔墨", 150000, "1500元", "glued-yuan"),
    ("买笔墨 ¥1,500.50", 150050, "¥1,500.50", "yen-grouped"),
    ("买笔墨 ￥１５００ 元整", 150000, "￥１５００ 元整", "fullwidth-span-in-original"),
    ("申请 RMB 800 用于场地", 80000, "RMB 800", "rmb"),
    ("预算1.5万购买音响", 1500000, "1.5万", "wan-without-yuan"),
    ("60人参加，经费两千元", 200000, "两千元", "chinese-yuan-after-count"),
    ("舞蹈队服装一万二千五百元", 1250000, "一万二千五百元", "chinese-long"),
    ("经费3万5千元", 3500000, "3万5千元", "mixed"),
    ("两块展板 800块", 80000, "800块", "kuai-counter-skipped"),
    ("打印 300块钱", 30000, "300块钱", "kuai-qian"),
    ("2026元旦晚会 经费3000元", 300000, "3000元", "yuandan-is-not-yuan"),
    ("11月20日 60人 2小时 经费 1500", 150000, "1500", "bare-after-counts"),
    ("书法班 1500 购买笔墨", 150000, "1500", "bare-token"),
    ("书法班 1500.5 购买笔墨", 150050, "1500.5", "bare-decimal"),
    ("金额：1500", 150000, "1500", "after-fullwidth-colon"),
    ("第 3 期 经费 1500", 150000, "1500", "ordinal-skipped"),
    ("电话 13800138000 经费 900", 90000, "900", "phone-skipped"),
    ("参加 60 人 经费 500元", 50000, "500元", "marked-beats-earlier-bare"),
    ("千元以下 经费800元", 80000, "800元", "qianyuan-word-skipped"),
    ("书法班-1500元", 150000, "1500元", "dash-after-word-is-not-minus"),
]

NOT_AMOUNTS = [
    ("60人", "people"),
    ("参加 60 人", "people-spaced"),
    ("2小时", "hours"),
    ("11月20日", "date"),
    ("下午3点", "clock"),
    ("2026年", "year"),
    ("14:00 开始", "time"),
    ("2026-11-20", "iso-date"),
    ("11/20 活动", "slash-date"),
    ("2万人次", "wan-people"),
    ("三万五", "chinese-without-yuan"),
    ("买两块展板", "kuai-as-counter"),
    ("第 3 期", "ordinal"),
    ("书法班1500购买", "glued-bare"),
    ("A4纸", "paper-size"),
    ("$1500", "dollars"),
    ("增长 15%", "percent"),
    ("3万5", "compound-without-yuan"),
    ("老年大学书法班", "no-number"),
    ("", "empty"),
]

BAD_IN_SENTENCES = [
    ("退款 -200元", "negative", "-200元", "negative"),
    ("经费 负五百元", "negative", "负五百元", "chinese-negative"),
    ("经费 0元", "zero", "0元", "zero"),
    ("经费 1500.555元", "too_precise", "1500.555元", "too-precise"),
    ("经费 2亿元", "too_large", "2亿元", "too-large"),
    ("经费1500-2000元", "unreadable", "1500-2000元", "range"),
    ("经费一千至两千元", "unreadable", "一千至两千元", "chinese-range"),
]


@pytest.mark.parametrize(
    ("sentence", "fen", "written"), [(s, f, w) for s, f, w, _ in IN_SENTENCES], ids=[i for *_, i in IN_SENTENCES]
)
def test_find_amount_in_a_sentence(sentence: str, fen: int, written: str) -> None:
    found = find_amount(sentence)
    assert found is not None
    amount, (start, end) = found
    assert amount == fen
    assert sentence[start:end] == written


@pytest.mark.parametrize("sentence", [s for s, _ in NOT_AMOUNTS], ids=[i for _, i in NOT_AMOUNTS])
def test_find_amount_ignores_counts_dates_and_times(sentence: str) -> None:
    assert find_amount(sentence) is None


@pytest.mark.parametrize(
    ("sentence", "reason", "written"),
    [(s, r, w) for s, r, w, _ in BAD_IN_SENTENCES],
    ids=[i for *_, i in BAD_IN_SENTENCES],
)
def test_find_amount_refuses_a_bad_marked_amount(sentence: str, reason: str, written: str) -> None:
    with pytest.raises(BadAmount) as caught:
        find_amount(sentence)
    assert caught.value.params["reason"] == reason
    assert caught.value.params["text"] == written


def test_find_amount_leaves_the_rest_for_title_and_purpose() -> None:
    sentence = "老年大学书法班 1500元 购买笔墨纸砚"
    found = find_amount(sentence)
    assert found is not None
    _, (start, end) = found
    assert (sentence[:start].strip(), sentence[end:].strip()) == ("老年大学书法班", "购买笔墨纸砚")


def test_find_amount_cap_is_a_parameter() -> None:
    with pytest.raises(BadAmount) as caught:
        find_amount("经费 600元", max_fen=50_000)
    assert caught.value.params["reason"] == "too_large"


@pytest.mark.parametrize(
    ("fen", "lang", "shown"),
    [
        (150000, "zh_CN", "1,500.00 元"),
        (150000, "en", "CNY 1,500.00"),
        (150050, "zh_CN", "1,500.50 元"),
        (1, "zh_CN", "0.01 元"),
        (0, "en", "CNY 0.00"),
        (123456789012, "zh_CN", "1,234,567,890.12 元"),
        (-150000, "zh_CN", "-1,500.00 元"),
        (-5, "en", "CNY -0.05"),
        (150000, "zh", "1,500.00 元"),
        (150000, "zh-Hans", "1,500.00 元"),
        (150000, "en_US", "CNY 1,500.00"),
    ],
    ids=["zh", "en", "zh-fen", "zh-one-fen", "en-zero", "zh-large", "zh-negative", "en-negative", "zh-bare", "zh-hans", "en-us"],
)
def test_format_fen(fen: int, lang: str, shown: str) -> None:
    assert format_fen(fen, lang) == shown


def test_format_fen_defaults_to_chinese_and_refuses_floats() -> None:
    assert format_fen(150000) == "1,500.00 元"
    with pytest.raises(TypeError):
        format_fen(1500.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_fen(True)


@settings(max_examples=300, deadline=None)
@given(fen=st.integers(min_value=1, max_value=MAX_FEN), lang=st.sampled_from(["zh_CN", "en"]))
def test_format_then_parse_round_trips(fen: int, lang: str) -> None:
    assert parse_amount(format_fen(fen, lang)) == fen


_AMOUNTISH = st.text(alphabet="0123456789.,，-−¥￥元块钱万千百十点零一二两三五九壹仟佰负整 RMBe人年月日第:/%旦１５", max_size=30)


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=60), _AMOUNTISH))
def test_random_text_raises_nothing_but_bad_amount(text: str) -> None:
    try:
        fen = parse_amount(text)
    except BadAmount:
        pass
    else:
        assert 0 < fen <= MAX_FEN
    try:
        found = find_amount(text)
    except BadAmount:
        pass
    else:
        if found is not None:
            fen, (start, end) = found
            assert 0 < fen <= MAX_FEN
            assert 0 <= start < end <= len(text)
