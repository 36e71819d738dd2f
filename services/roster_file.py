"""Reading a roster file (CSV with or without BOM, or the first sheet of an XLSX) into checked rows.

Every invalid row is reported with its row number (the header is row 1); a file with any invalid
row is refused whole, so nothing is ever half-imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from services.errors import BadRoster, N_
from services.text import normalise_name, normalise_phone

MAX_BYTES = 20 * 1024 * 1024

HEADERS = {
    "unit_code": ("单位编码", "unit_code"),
    "unit_name": ("单位名称", "unit_name"),
    "level": ("单位层级", "level"),
    "parent_code": ("上级单位编码", "parent_code"),
    "population": ("常住人口", "population"),
    "name": ("姓名", "name"),
    "phone": ("手机", "phone"),
    "roles": ("角色", "roles"),
    "bodies": ("机构", "bodies"),
}
REQUIRED = ("unit_code", "unit_name", "level", "name", "phone", "roles")
LEVELS = {"县区": "county", "社区学院": "college", "镇街": "town", "村居": "village", "部门": "department"}
LEVELS.update({v: v for v in list(LEVELS.values())})
ROLE_NAMES = {"联络员": "liaison", "社区学校": "school_staff", "协调员": "coordinator", "领导": "leader", "管理员": "admin"}
ROLE_NAMES.update({v: v for v in list(ROLE_NAMES.values())})
LEVEL_LABELS = {v: k for k, v in LEVELS.items() if k != v}
ROLE_LABELS = {v: k for k, v in ROLE_NAMES.items() if k != v}
_SEP = re.compile(r"[、;；,，]+")


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    population: int | None


@dataclass(frozen=True)
class PersonRow:
    row: int
    name: str
    phone: str
    unit_code: str
    roles: frozenset[str]
    bodies: frozenset[tuple[str, str]]  # (unit code, body name)


@dataclass(frozen=True)
class RowError:
    row: int
    message: str  # English msgid, rendered by the caller
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RosterFile:
    units: dict[str, UnitRow]
    people: dict[str, PersonRow]  # by phone
    errors: tuple[RowError, ...]


def _decode_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRoster(reason=N_("it is neither UTF-8 CSV nor XLSX")) from None
    if "\x00" in text:
        raise BadRoster(reason=N_("it is neither UTF-8 CSV nor XLSX"))
    try:
        return [row for row in csv.reader(io.StringIO(text))]
    except csv.Error:
        raise BadRoster(reason=N_("it is neither UTF-8 CSV nor XLSX")) from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # heavy: only when a spreadsheet arrives

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken zip or a non-workbook
        raise BadRoster(reason=N_("the spreadsheet cannot be opened")) from None
    try:
        ws = wb.worksheets[0]
        return [["" if c is None else _cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _cell(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(data: bytes, filename: str = "") -> list[list[str]]:
    """The raw rows of a CSV or XLSX file (XLSX recognised by content, not only by name)."""
    if len(data) > MAX_BYTES:
        raise BadRoster(reason=N_("the file is larger than 20 MB"))
    if not data.strip():
        raise BadRoster(reason=N_("the file is empty"))
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    return _decode_csv(data)


def _header_map(header: list[str]) -> dict[str, int]:
    names = {alias.lower(): key for key, aliases in HEADERS.items() for alias in aliases}
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = names.get(str(cell).strip().lower())
        if key and key not in found:
            found[key] = i
    missing = [HEADERS[k][0] for k in REQUIRED if k not in found]
    if missing:
        raise BadRoster(reason=N_("the header row lacks the columns {columns}"), columns="、".join(missing))
    return found


def _split(text: str) -> list[str]:
    return [p.strip() for p in _SEP.split(text or "") if p.strip()]


def parse_roster(data: bytes, filename: str = "") -> RosterFile:
    """Read and check a whole roster file; errors are collected, not raised, so all are reported at once."""
    rows = read_table(data, filename)
    if not rows:
        raise BadRoster(reason=N_("the file is empty"))
    cols = _header_map(rows[0])
    units: dict[str, UnitRow] = {}
    people: dict[str, PersonRow] = {}
    errors: list[RowError] = []
    for number, raw in enumerate(rows[1:], start=2):
        get = lambda key: str(raw[cols[key]]).strip() if key in cols and cols[key] < len(raw) else ""  # noqa: E731
        if not any(str(c).strip() for c in raw):
            continue
        _read_row(number, get, units, people, errors)
    _check_tree(units, people, errors)
    return RosterFile(units, people, tuple(sorted(errors, key=lambda e: e.row)))


def _read_row(number, get, units, people, errors) -> None:  # noqa: ANN001
    def bad(message: str, **params: object) -> None:
        errors.append(RowError(number, message, params))

    code, uname = get("unit_code"), normalise_name(get("unit_name"))
    if not code:
        return bad(N_("the unit code is empty"))
    level = LEVELS.get(get("level").lower() if get("level").isascii() else get("level"))
    if level is None:
        return bad(N_("unknown unit level “{value}”"), value=get("level"))
    population: int | None = None
    pop_text = get("population").replace(",", "")
    if pop_text:
        if not pop_text.isdigit():
            return bad(N_("the population “{value}” is not a whole number"), value=get("population"))
        population = int(pop_text)
    unit = UnitRow(code, uname, level, get("parent_code") or None, population)
    if not uname:
        return bad(N_("the unit name is empty"))
    if code in units and units[code] != unit:
        return bad(N_("unit {code} is described differently on another row"), code=code)
    units[code] = unit
    name, phone_raw = normalise_name(get("name")), get("phone")
    if not name and not phone_raw and not get("roles"):
        return None  # a row that only declares a unit
    phone = normalise_phone(phone_raw)
    if not name:
        return bad(N_("the name is empty"))
    if len(name) > 50:
        return bad(N_("the name is longer than 50 characters"))
    if phone is None:
        return bad(N_("“{value}” is not a mobile number"), value=phone_raw)
    roles = [ROLE_NAMES.get(r.lower() if r.isascii() else r) for r in _split(get("roles"))]
    if not roles or None in roles:
        return bad(N_("unknown role in “{value}”"), value=get("roles"))
    bodies = frozenset((b.split(":", 1)[0].strip(), b.split(":", 1)[1].strip()) if ":" in b.replace("：", ":")
                       else (code, b) for b in (x.replace("：", ":") for x in _split(get("bodies"))))
    if phone in people:
        return bad(N_("the mobile number {phone} is already on row {other}"), phone=phone, other=people[phone].row)
    people[phone] = PersonRow(number, name, phone, code, frozenset(roles), bodies)
    return None


def _check_tree(units: dict[str, UnitRow], people: dict[str, PersonRow], errors: list[RowError]) -> None:
    counties = [u for u in units.values() if u.parent_code is None]
    for u in units.values():
        if u.parent_code is not None and u.parent_code not in units:
            errors.append(RowError(0, N_("unit {code} names a parent {parent} that is not in the file"),
                                   {"code": u.code, "parent": u.parent_code}))
    if units and not counties:
        errors.append(RowError(0, N_("no unit without a parent: the county must have an empty parent code"), {}))
    for p in people.values():
        for body_unit, _name in p.bodies:
            if body_unit not in units:
                errors.append(RowError(p.row, N_("the body's unit {code} is not in the file"), {"code": body_unit}))
