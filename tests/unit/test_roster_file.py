"""Reading roster files: encodings, headers, bad files."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from services.errors import BadRoster
from services.roster_file import parse_roster
from services.text import normalise_name, normalise_phone
from tests.support.factories import DATA

CSV = (DATA / "roster.csv").read_bytes()


def test_csv_with_and_without_bom_read_the_same():
    plain = parse_roster(CSV, "r.csv")
    bom = parse_roster(b"\xef\xbb\xbf" + CSV, "r.csv")
    assert plain == bom and not plain.errors and len(plain.people) == 8


def test_english_headers_and_values():
    data = ("unit_code,unit_name,level,parent_code,population,name,phone,roles\n"
            "C,County,county,,1000,,,\nV,Village,village,C,50,Li Lei,13900001111,liaison;admin\n").encode()
    parsed = parse_roster(data, "r.csv")
    assert not parsed.errors
    assert parsed.people["13900001111"].roles == {"liaison", "admin"}


def test_xlsx_first_sheet_is_read():
    wb = Workbook()
    ws = wb.active
    for line in CSV.decode().splitlines():
        ws.append([cell or None for cell in line.split(",")])
    buf = io.BytesIO()
    wb.save(buf)
    parsed = parse_roster(buf.getvalue(), "roster.xlsx")
    assert not parsed.errors and len(parsed.units) == 8


@pytest.mark.parametrize("data, name", [
    (b"", "empty.csv"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "photo.png"),
    ("姓名,年龄\n张三,30\n".encode(), "other.csv"),
    (b"PK\x03\x04not really a zip", "broken.xlsx"),
    ("单位编码,单位名称".encode("gbk"), "gbk.csv"),
])
def test_files_that_are_not_rosters_are_refused(data, name):
    with pytest.raises(BadRoster):
        parse_roster(data, name)


@pytest.mark.parametrize("raw, want", [("曲  亮", "曲亮"), (" 王 小 明 ", "王小明"), ("Li   Lei", "Li Lei"), ("张\u3000三", "张三")])
def test_names_are_trimmed_and_inner_spaces_removed(raw, want):
    assert normalise_name(raw) == want


@pytest.mark.parametrize("raw, want", [
    ("138 0013 8000", "13800138000"), ("+86 138-0013-8000", "13800138000"), ("8613800138000", "13800138000"),
    ("13800138000.0", "13800138000"), ("０１３８", None), ("12345", None), ("23800138000", None),
])
def test_phones_are_normalised(raw, want):
    assert normalise_phone(raw) == want
