"""A demo county for a first run: real place names, invented people, a few weeks of activities."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.activity_text import CATEGORIES
from services.meeting_demo import demo_meetings
from services.roster import apply_roster
from services.roster_file import parse_roster
from storage.models import Activity, Person, Unit

DEMO_LIAISON = "13900000100"
DEMO_COORDINATOR = "13900000001"
TOWNS = {
    "DQ01": ("武康街道", 68000, ["城北社区", "五四村", "沈家墩村"]),
    "DQ02": ("乾元镇", 52000, ["城东村", "联合村", "金鹅山村"]),
    "DQ03": ("新市镇", 71000, ["宋市村", "孟溪村", "蔡界村"]),
    "DQ04": ("禹越镇", 34000, ["三林村", "高桥村"]),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱马胡郭何高林罗"
GIVEN = ["建国", "秀英", "海燕", "志强", "丽华", "伟", "芳", "静", "晓明", "桂兰", "建华", "玉梅", "国强", "春燕", "金凤"]
TITLES = ["老年智能手机培训", "家庭教育讲座", "非遗剪纸体验", "农技知识讲座", "健康养生讲座", "普法宣传", "广场舞培训",
          "青少年暑期课堂", "电商直播培训", "书法培训"]


def _roster_csv() -> bytes:
    rows = ["单位编码,单位名称,单位层级,上级单位编码,常住人口,姓名,手机,角色,机构",
            "DQ,德清县,县区,,440000,,,,",
            f"DQC,德清县社区学院,社区学院,DQ,,陈晓明,{DEMO_COORDINATOR},协调员、管理员,DQ:领导小组、DQ:办公室",
            "DQC,德清县社区学院,社区学院,DQ,,周丽华,13900000002,协调员,DQ:办公室",
            "DQ,德清县,县区,,440000,王建国,13900000003,领导,领导小组"]
    n = 10
    for code, (town, pop, villages) in TOWNS.items():
        n += 1
        rows.append(f"{code},{town},镇街,DQ,{pop},{SURNAMES[n % 20]}{GIVEN[n % 15]},1390000{n:04d},社区学校,校务委员会")
        for i, village in enumerate(villages, start=1):
            n += 1
            phone = DEMO_LIAISON if (code, i) == ("DQ01", 2) else f"1390000{n:04d}"
            vpop = 2000 + (n * 137) % 3000
            rows.append(f"{code}{i:02d},{village},村居,{code},{vpop},{SURNAMES[n % 20]}{GIVEN[n % 15]},{phone},联络员,教务委员会")
    return ("\n".join(rows) + "\n").encode("utf-8")


async def load_demo(session: AsyncSession, *, now: datetime, tz: ZoneInfo, weeks: int = 3) -> bool:
    """Load the demo county unless it is there; returns True when it was loaded."""
    if await session.scalar(select(Unit.id).where(Unit.code == "DQ")):
        return False
    today = now.astimezone(tz).date()
    await apply_roster(session, parse_roster(_roster_csv(), "demo.csv"), now=now, today=today - timedelta(days=weeks * 7 + 1),
                       actor_id=None)
    rng = random.Random(20261124)
    villages = (await session.execute(
        select(Unit.id, Person.id).join(Person, Person.unit_id == Unit.id).where(Unit.level == "village")
    )).all()
    for unit_id, person_id in villages:
        for _ in range(rng.randint(1, weeks * 2)):
            day = today - timedelta(days=rng.randint(1, weeks * 7))
            participants = rng.randint(12, 80)
            act = Activity(
                unit_id=unit_id, reporter_id=person_id, occurred_on=day, title=rng.choice(TITLES),
                category=rng.choice(CATEGORIES[:10]), target_groups=[], participants=participants,
                minors=rng.randint(0, participants // 3), minutes=rng.choice([60, 90, 120]), place="村文化礼堂",
                notes="", late=False, created_at=now - timedelta(days=(today - day).days), updated_at=now,
            )
            session.add(act)
    await session.flush()
    await demo_meetings(session, now=now, tz=tz, rng=rng)
    from services.funding_demo import demo_funding  # funding

    await demo_funding(session, now=now, tz=tz, rng=rng)
    audit.record(session, now=now, actor_id=None, action="demo", entity="county", entity_id=None, after={"code": "DQ"})
    return True
