"""/export's workbook carries the funding requests and their history (registered in services.exports.TABLES)."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from bot.outbox_sender import drain
from tests.support.funding import sign_in_all


async def test_the_year_workbook_has_the_requests_and_every_step(rt, app, api, person):
    people = await sign_in_all(rt, person)
    await people["staff"].send("/fund 社区学校书法班 3000元 购买教材")
    await people["staff"].press("提交")
    await drain(app, rt)
    await people["coord"].press("核减批准")
    await people["coord"].send("2500.5")
    files = []
    original = api.do_request

    async def capture(url, method, request_data=None, **kw):  # noqa: ANN001, ANN202
        if request_data is not None and request_data.multipart_data:
            files.extend(request_data.multipart_data.values())
        return await original(url, method, request_data, **kw)

    api.do_request = capture
    await people["coord"].send("/export")
    [(_name, data, _mime)] = files
    wb = load_workbook(io.BytesIO(data))
    assert {"经费申请", "经费审批记录"} <= set(wb.sheetnames)
    [header, row] = [list(r) for r in wb["经费申请"].iter_rows(values_only=True)]
    got = dict(zip(header, row))
    assert (got["单位"], got["项目"], got["状态"]) == ("递铺街道", "社区学校书法班", "已批准")
    assert Decimal(str(got["申请金额(元)"])) == Decimal("3000") and Decimal(str(got["批准金额(元)"])) == Decimal("2500.5")
    steps = [list(r) for r in wb["经费审批记录"].iter_rows(values_only=True)][1:]
    assert [(s[5] or "", s[6], s[4]) for s in steps] == [("", "待审核", "孙校长"), ("待审核", "已批准", "陈协调")]
