"""Benchmark of services.dates: speed of parse_when against dateparser, accuracy on the sample, import time."""

from __future__ import annotations

import gc
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import Figure, percentile

NAME = "dates"
ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "dates_sample.tsv"
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 2, 16, 9, 0, tzinfo=ZONE)

_CN_DIGITS = "〇一二三四五六七八九"


def _cn(n: int) -> str:
    """A small number in Chinese numerals (1..99), written here so the corpus does not depend on cn2an."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _expressions() -> list[str]:
    """Date/time expressions of every kind the parser knows, plus invalid ones and texts with no date."""
    days = ["今天", "明天", "后天", "大后天", "昨天", "前天", "今晚", "明早", "明晚"]
    times = ["", "上午9点", "下午3点", "晚上8点", "9点半", "下午两点一刻", "10:30", "3点", "中午12点", "凌晨2点", "下午3点三刻"]
    out = [d + t for d in days for t in times]
    out += [f"{n}天后" for n in range(1, 31)] + [f"{_cn(n)}天前" for n in range(1, 31)]
    out += [f"{n}小时后" for n in range(1, 13)] + [f"{n}分钟后" for n in range(5, 60, 5)] + ["半小时后", "一周后", "两周后"]
    weekdays = ["周一", "周三", "周五", "星期六", "礼拜天", "星期日"]
    prefixes = ["", "本", "这", "下", "下下", "上"]
    out += [p + w + t for p in prefixes for w in weekdays for t in ("", "上午9点半", "下午2点")]
    out += [f"{m}月{d}日" for m in range(1, 13) for d in (1, 8, 15, 28)]
    out += [f"{_cn(m)}月{_cn(d)}日下午{_cn(h)}点" for m, d, h in ((3, 8, 3), (12, 1, 2), (6, 18, 4), (10, 1, 9))]
    out += [f"{y}年{m}月{d}日" for y in (2025, 2026, 2027) for m in (1, 6, 12) for d in (1, 15)]
    out += [f"{y}-{m:02d}-{d:02d} {h}:30" for y in (2026, 2027) for m in (3, 9) for d in (5, 20) for h in (9, 14)]
    out += [f"本月{d}号" for d in (5, 20)] + [f"下个月{d}号" for d in (1, 10, 31)] + [f"上个月{d}号" for d in (3, 15)]
    out += ["12月5日（周六）下午2:00", "二〇二六年十二月一日", "明年3月1日", "2026/12/1", "2026.12.01"]
    english = ["today", "tomorrow", "yesterday", "Friday", "next Monday", "last Friday", "in 3 days", "2 days ago",
               "Dec 5 2pm", "5 Dec 2026 14:30", "December 1, 2026", "tomorrow at 3pm", "3pm tomorrow", "in 2 hours",
               "March 8, 2026 3pm", "twenty days ago", "a fortnight ago", "Sat, Dec 5", "the 5th of December"]
    out += english + [f"in {n} days" for n in range(4, 20)] + [f"{n} hours ago" for n in range(1, 12)]
    out += [f"{m} {d}" for m in ("Jan", "March", "Oct", "December") for d in (3, 17, 29)]
    invalid = ["2月30日", "4月31日", "13月5日", "明天25点", "12点60分", "0月1日", "2027年2月29日", "明天24点30分"]
    nothing = ["书法培训 30人", "60人 1.5小时", "提出三点意见", "在5号楼开会", "hello world", "see you later", "第13周"]
    return out + invalid + nothing


def corpus(minimum: int = 500) -> list[str]:
    """Distinct expressions, alone and inside sentences, in a fixed shuffled order."""
    frames = ["{}", "请于{}到镇成校三楼开会", "{}组织老年人智能手机培训，25人参加", "提醒：{} 交材料", "Meeting {} in room 3"]
    rng = random.Random(20260216)
    seen: dict[str, None] = {}
    for expression in _expressions():
        for frame in rng.sample(frames, 2):
            seen[frame.format(expression)] = None
    texts = list(seen)
    rng.shuffle(texts)
    if len(texts) < minimum:
        raise RuntimeError(f"corpus has only {len(texts)} expressions")
    return texts


def _per_call(fn, texts: list[str], rounds: int) -> list[list[float]]:
    """Per-call wall times in ms, one list per round, with the garbage collector paused."""
    out = []
    gc.disable()
    try:
        for _ in range(rounds):
            times = []
            for text in texts:
                t0 = time.perf_counter()
                fn(text)
                times.append((time.perf_counter() - t0) * 1000)
            out.append(times)
    finally:
        gc.enable()
    return out


def _dateparser_fn():
    """dateparser.parse with the baseline settings (zh and en, same relative base)."""
    import dateparser

    settings = {"RELATIVE_BASE": NOW.replace(tzinfo=None), "PREFER_DATES_FROM": "future"}
    return lambda text: dateparser.parse(text, languages=["zh", "en"], settings=settings)


def _sample_rows() -> list[tuple[str, datetime, str, str]]:
    """(text, now, prefer, expect) from the team's sample."""
    rows = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, now, prefer, expect = line.split("\t")
            rows.append((text, datetime.fromisoformat(now).replace(tzinfo=ZONE), prefer, expect))
    return rows


def _accuracy() -> tuple[float, float, int]:
    """% of sample lines parse_when gets right, and dateparser (judged leniently: date, plus HH:MM when expected)."""
    import dateparser

    from services.dates import parse_when

    rows = _sample_rows()
    ours = theirs = 0
    for text, now, prefer, expect in rows:
        when = parse_when(text, now=now, prefer=prefer)
        got = "-" if when is None else when.at.strftime("%Y-%m-%d %H:%M" if when.has_time else "%Y-%m-%d")
        ours += got == expect
        settings = {"RELATIVE_BASE": now.replace(tzinfo=None), "PREFER_DATES_FROM": prefer}
        found = dateparser.parse(text, languages=["zh", "en"], settings=settings)
        if found is None:
            theirs += expect == "-"
        elif expect != "-":
            theirs += found.strftime("%Y-%m-%d %H:%M")[: len(expect)] == expect
    return 100 * ours / len(rows), 100 * theirs / len(rows), len(rows)


def _import_ms(repeat: int) -> list[float]:
    """Time of `import services.dates` in a fresh interpreter, minus a bare interpreter start, per run."""
    def start(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        return (time.perf_counter() - t0) * 1000

    start("import services.dates")  # warm the file cache and bytecode
    return [start("import services.dates") - start("pass") for _ in range(repeat)]


def run(quick: bool) -> list[Figure]:
    """All figures of the dates benchmark (quick: fewer rounds, same corpus)."""
    from services.dates import parse_when

    texts = corpus()
    rounds, base_rounds, import_runs = (3, 1, 3) if quick else (10, 3, 10)
    ours = lambda text: parse_when(text, now=NOW, prefer="future")  # noqa: E731
    for text in texts:  # warm-up: regex caches, cn2an, and dateparser through the fallback
        ours(text)
    our_rounds = _per_call(ours, texts, rounds)
    baseline = _dateparser_fn()
    for text in texts[:50]:
        baseline(text)
    base = _per_call(baseline, texts, base_rounds)

    med = [statistics.median(r) for r in our_rounds]
    p99 = [percentile(r, 99) for r in our_rounds]
    base_med = [statistics.median(r) for r in base]
    base_p99 = [percentile(r, 99) for r in base]
    ours_pct, theirs_pct, lines = _accuracy()
    imports = _import_ms(import_runs)
    note = f"{len(texts)} distinct expressions x {rounds} rounds, now={NOW:%Y-%m-%d %H:%M}, prefer=future"
    return [
        Figure(NAME, "parse_when median per expression", "ms", tuple(med), "<= 1 ms", max(med) <= 1.0, note),
        Figure(NAME, "parse_when p99 per expression", "ms", tuple(p99), "<= 5 ms", max(p99) <= 5.0, note),
        Figure(NAME, "dateparser.parse median per expression (baseline)", "ms", tuple(base_med),
               note=f"languages zh+en, same RELATIVE_BASE, {base_rounds} rounds"),
        Figure(NAME, "dateparser.parse p99 per expression (baseline)", "ms", tuple(base_p99)),
        Figure(NAME, "speed-up of parse_when over dateparser (median)", "x",
               tuple(b / statistics.median(med) for b in base_med),
               note="dateparser median / parse_when median"),
        Figure(NAME, "parse_when accuracy on dates_sample.tsv", "%", (ours_pct,), note=f"{lines} lines, exact"),
        Figure(NAME, "dateparser accuracy on dates_sample.tsv (baseline)", "%", (theirs_pct,),
               note="lenient: right date, and right HH:MM only where the sample has a time"),
        Figure(NAME, "import services.dates (fresh interpreter, minus bare start)", "ms", tuple(imports),
               note="dateparser and cn2an are imported lazily, on first use"),
    ]


if __name__ == "__main__":
    for figure in run("--quick" in sys.argv):
        print(figure)
