"""A PostgreSQL province stores a commune's households from COPY's text made where they were checked
(`storage.province.copy_rows`): loaded into a real server, every field reads back as the rows loaded one by one
(`household_values` through psycopg) — texts holding COPY's own separators and escapes included."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldsurvey.domain.figures import MOVEMENT_COLUMNS, TARGET_GROUPS
from fieldsurvey.domain.province import COUNT_FLAGS, ResultRow
from fieldsurvey.storage.province import HOUSEHOLD_COLUMNS, SCHEMA, connect, copy_rows, household_values

TRICKY = ["", "Thôn 1", "a\tb", "a\nb", "a\rb", "a\\b", "\\N", "\\", "a\\tb", "  spaced  ", "Nguyễn\tVăn\nAn",
          "ＮＧＵＹＥＮ＼ＡＮ", "Đặng Thị Ánh", "x" * 200, "👪 family", "end\\"]


def _row(i: int, text: str, cls: str | None) -> ResultRow:
    flags = ["0"] * len(COUNT_FLAGS)
    flags[COUNT_FLAGS.index("counted")] = "1" if cls else "0"
    return ResultRow(f"00000000-0000-4000-8000-{i:012d}", text, "".join(flags), cls, "01?" * 4,
                     "10" * len(MOVEMENT_COLUMNS), ("01" * len(TARGET_GROUPS))[:len(TARGET_GROUPS)],
                     i % 2, i % 9, i % 3, text, "1970-01-0" + str(i % 9 + 1) if cls else "", text[:40])


def _tables(engine) -> None:
    statement = next(s for s in SCHEMA if s.startswith("CREATE TABLE IF NOT EXISTS households"))
    engine.execute(statement)
    engine.execute(statement.replace("households", "copied", 1))


def _both(engine, rows: list[ResultRow], code: str = "00001") -> tuple[list, list]:
    with engine.transaction():
        engine.execute("DELETE FROM households")
        engine.execute("DELETE FROM copied")
        engine.load("households", HOUSEHOLD_COLUMNS, [household_values(code, r) for r in rows])
        engine.load_copy("copied", HOUSEHOLD_COLUMNS, copy_rows(code, rows))
    order = f"SELECT {', '.join(HOUSEHOLD_COLUMNS)} FROM {{}} ORDER BY uuid"
    return engine.rows(order.format("households")), engine.rows(order.format("copied"))


@pytest.fixture(scope="module")
def engine(pg):
    db = connect(pg.new_database("copy_rows"))
    _tables(db)
    try:
        yield db
    finally:
        db.close()


def test_every_field_reads_back_as_the_rows_loaded_one_by_one(engine):
    classes = [None, "poor", "near_poor", "average", "not_poor"]
    rows = [_row(i, text, classes[i % len(classes)]) for i, text in enumerate(TRICKY * 5)]
    one_by_one, copied = _both(engine, rows, "0\t1")
    assert len(copied) == len(rows)
    assert copied == one_by_one
    assert copy_rows("00001", rows).count == len(rows)
    # the values themselves, not only the two loads alike: a text with a tab or backslash came back whole
    assert {r[HOUSEHOLD_COLUMNS.index("village")] for r in copied} == set(TRICKY)
    assert {r[0] for r in copied} == {"0\t1"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40),
                min_size=1, max_size=20))
def test_any_text_reads_back_as_loaded_one_by_one(engine, texts):
    rng = random.Random(len(texts))
    rows = [_row(i, t, rng.choice(["poor", None, "not_poor"])) for i, t in enumerate(texts)]
    one_by_one, copied = _both(engine, rows)
    assert copied == one_by_one
