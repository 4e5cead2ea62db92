"""The ages the rules count, as the laws count them.

Working age (độ tuổi lao động) runs from the standard's first working age (15, Labour Code 2019 Art. 3) until the day
a person reaches the retirement age for normal working conditions that Labour Code 2019 Art. 169 and Decree
135/2020/NĐ-CP (Appendix I) set for their sex and month of birth — a table, kept as data in
resources/standards/tables/. The age on a date is counted in completed years and months; someone whose papers give
only the year of birth counts as born on 1 January of that year (Decree 135/2020 Art. 3(3)).

School ages (Education Law 2019 Art. 28) are counted by year of birth against the school year running on the
reference date; see SchoolAge.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date

SEXES = ("male", "female")


def months_old(born: date, on: date) -> int:
    """Age in completed months on `on`. Someone born on the 29th–31st completes a month on the last day of a
    shorter month (born 31 Jan: one month old on 28 or 29 Feb)."""
    months = (on.year - born.year) * 12 + on.month - born.month
    if on.day < born.day and on.day < calendar.monthrange(on.year, on.month)[1]:
        months -= 1
    return months


def add_months(born: date, months: int) -> date:
    """The day someone born on `born` is `months` months old (the month's last day when it is shorter)."""
    index = born.year * 12 + born.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(born.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True, slots=True)
class RetirementRow:
    born_from: tuple[int, int] | None   # (year, month) of the first birth month of the row; None: everyone earlier
    years: int
    months: int

    @property
    def age_in_months(self) -> int:
        return self.years * 12 + self.months


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


@dataclass(frozen=True, slots=True)
class RetirementSchedule:
    """One sex's column of the table: rows from the earliest births; a row holds from its `born_from` month until
    the next row's."""

    rows: tuple[RetirementRow, ...]
    starts: tuple[int, ...]   # month_index of each row's born_from, from the second row on
    ages: tuple[int, ...]     # each row's retirement age in months

    @classmethod
    def of(cls, rows: tuple[RetirementRow, ...]) -> "RetirementSchedule":
        return cls(rows, tuple(month_index(*r.born_from) for r in rows[1:] if r.born_from),
                   tuple(r.age_in_months for r in rows))

    def row(self, born: date) -> RetirementRow:
        return self.rows[bisect_right(self.starts, month_index(born.year, born.month))]

    def age_in_months(self, born: date) -> int:
        return self.ages[bisect_right(self.starts, month_index(born.year, born.month))]


@dataclass(frozen=True, slots=True)
class RetirementTable:
    """The retirement age in normal working conditions by sex and month of birth (Decree 135/2020 Appendix I)."""

    id: str
    title_vi: str
    title_en: str
    source: str
    schedules: dict[str, RetirementSchedule]   # "male" / "female"

    def row(self, sex: str, born: date) -> RetirementRow:
        return self.schedules[sex].row(born)

    @property
    def youngest_years(self) -> int:
        """The lowest retirement age in the table, in whole years: nobody younger has reached theirs."""
        return min(schedule.rows[0].years for schedule in self.schedules.values())

    def age_in_months(self, sex: str, born: date) -> int:
        return self.schedules[sex].age_in_months(born)

    def reached_on(self, sex: str, born: date) -> date:
        """The day the person reaches their retirement age (from then on they are no longer of working age)."""
        return add_months(born, self.age_in_months(sex, born))


@dataclass(frozen=True, slots=True)
class WorkingAge:
    """độ tuổi lao động: from `from_age` completed years until the day the retirement age of the person's sex and
    month of birth is reached."""

    from_age: int
    retirement: RetirementTable
    youngest_retirement: int   # retirement.youngest_years: below it nobody needs the table looked up

    @classmethod
    def of(cls, from_age: int, retirement: RetirementTable) -> "WorkingAge":
        return cls(from_age, retirement, retirement.youngest_years)

    def past_retirement(self, sex: object, age: int, born: date, on: date) -> bool | None:
        """Has the person (`age` in completed years, born on `born`) reached the retirement age on `on`? None when
        only the (unknown) sex would decide."""
        if age < self.youngest_retirement:
            return False
        age = months_old(born, on)
        if sex in SEXES:
            return age >= self.retirement.age_in_months(sex, born)
        male = age >= self.retirement.age_in_months("male", born)
        female = age >= self.retirement.age_in_months("female", born)
        return male if male == female else None

    def includes(self, age: int | None, retired: bool | None) -> bool | None:
        """Is a person of `age` completed years of working age, given whether they have reached their retirement
        age (`retired`, from past_retirement)? None when the age (or, near the retirement age, the sex) is unknown."""
        if age is None:
            return None
        if age < self.from_age:
            return False
        return None if retired is None else not retired


@dataclass(frozen=True, slots=True)
class SchoolAge:
    """School ages counted by year of birth ("tính theo năm", Education Law 2019 Art. 28: grade 1 at 6, lower
    secondary at 11, upper secondary at 15): the age a child turns in the calendar year in which the school year
    running on the reference date started. A school year starts in `start_month` (September)."""

    start_month: int

    def school_year(self, on: date) -> int:
        """The calendar year in which the school year running on `on` started."""
        return on.year if on.month >= self.start_month else on.year - 1

    def age(self, born: date, on: date) -> int:
        return self.school_year(on) - born.year


@dataclass(frozen=True, slots=True)
class StandardAges:
    """The ages a standard sets once for all its rules."""

    working_age: WorkingAge | None = None
    school_age: SchoolAge | None = None

