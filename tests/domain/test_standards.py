"""Standards are data: shipped files load, local standards extend national ones, and a malformed file is refused
with its name and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldsurvey.domain.classification import classify_household
from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.domain.standards import StandardRegistry
from fieldsurvey.errors import StandardError
from fieldsurvey.paths import resource
from tests.builders import household

SHIPPED = resource("standards")

HCMC = """
id = "hcm-2022-2025"
extends = "vn-2022-2025"
title_vi = "Chuẩn nghèo Thành phố Hồ Chí Minh (ví dụ)"
title_en = "Ho Chi Minh City local standard (example)"
scope = { province_codes = ["79"] }
[income.rural]
poverty_line = 2_000_000
[income.urban]
poverty_line = 3_000_000
average_band_max = 3_500_000
[[indicators]]
id = "housing_area"
params = { min_m2_per_person = 10 }
"""


def registry_with(tmp_path: Path, name: str, text: str) -> StandardRegistry:
    local = tmp_path / "local"
    local.mkdir(exist_ok=True)
    (local / name).write_text(text, encoding="utf-8")
    return StandardRegistry([SHIPPED, local])


def test_shipped_standards_load_with_their_years():
    reg = StandardRegistry([SHIPPED])
    assert {s.id: (s.first_year, s.last_year) for s in reg.all()} == {
        "vn-2016-2020": (2016, 2021), "vn-2022-2025": (2022, 2026), "vn-2027-2030": (2027, 2030)}


def test_local_standard_extends_and_overrides(tmp_path):
    reg = registry_with(tmp_path, "hcm.toml", HCMC)
    local = reg.get("hcm-2022-2025")
    assert local.lines["urban"].poverty_line == 3_000_000
    assert local.lines["rural"].average_band_max == 2_250_000            # inherited
    assert next(i for i in local.indicators if i.id == "housing_area").params["min_m2_per_person"] == 10
    assert len(local.indicators) == 12
    # a household of Ho Chi Minh City gets the local standard; anywhere else the national one
    assert reg.for_year(2026, "79").id == "hcm-2022-2025"
    assert reg.for_year(2026, "01").id == "vn-2022-2025"
    hh = household(area="urban", per_person=2_800_000, water_source="none", latrine="none", info_devices=[])
    assert classify_household(hh, local).household_class is HouseholdClass.POOR
    assert classify_household(hh, reg.get("vn-2022-2025")).household_class is HouseholdClass.NOT_POOR


@pytest.mark.parametrize("text, where", [
    ('id = "x"\nextends = "vn-2022-2025"\n[income.rural]\npoverty_line = "lots"\n',
     "bad.toml: income.rural.poverty_line"),
    ('id = "x"\nextends = "vn-2022-2025"\nreview_years = [2026]\n', "bad.toml: review_years"),
    ('id = "x"\nextends = "nowhere"\n', "bad.toml: extends"),
    ('id = "x"\nextends = "vn-2022-2025"\n[[indicators]]\nid = "water"\nrule = "astrology"\n',
     "bad.toml: indicators[water].rule"),
    ('id = "x"\nextends = "vn-2022-2025"\n[[indicators]]\nid = "water"\nparams = { answer = "w" }\n'
     'rule = "housing_area"\n', "bad.toml: indicators[water].params.min_m2_per_person"),
    ('id = "x"\nextends = "vn-2022-2025"\ndrop_indicators = ["weather"]\n', "bad.toml: drop_indicators"),
    ('id = "x"\nextends = "vn-2022-2025"\n[classification]\nscheme = "vibes"\n', "bad.toml: classification.scheme"),
    ('id = "x"\nextends = "vn-2022-2025"\n[income.urban]\naverage_band_max = 1\n',
     "bad.toml: income.urban.average_band_max"),
    ('id = "x"\nextends = "vn-2022-2025"\n[[indicators]]\nid = "new"\nnumber = 12\n', "bad.toml: indicators"),
    ('id = [1, 2]\n', "bad.toml: id"),
    ('id = "x"\nextends = "vn-2022-2025"\n[[indicators]]\nid = "employment"\nparams = { retirement_age_male = 61 }\n',
     "bad.toml: indicators[employment].params.retirement_age_male"),   # now set once, in [working_age]
    ('id = "x"\nextends = "vn-2022-2025"\n[working_age]\nretirement_table = "nowhere"\n',
     "bad.toml: working_age.retirement_table"),
    ('id = "x"\nextends = "vn-2022-2025"\n[working_age]\nfrom_age = "15"\n', "bad.toml: working_age.from_age"),
])
def test_malformed_standard_names_file_and_key(tmp_path, text, where):
    with pytest.raises(StandardError) as err:
        reg = registry_with(tmp_path, "bad.toml", text)
        reg.get("x")
    assert str(err.value).startswith(where), str(err.value)


def test_invalid_toml_names_the_file(tmp_path):
    with pytest.raises(StandardError, match=r"^bad\.toml: is not valid TOML"):
        registry_with(tmp_path, "bad.toml", "id = \n")


def test_no_standard_for_a_year_says_so():
    with pytest.raises(StandardError, match="no standard covers review year 2031"):
        StandardRegistry([SHIPPED]).for_year(2031)


def test_standard_files_hold_no_rule_without_saying_whether_it_is_confirmed():
    import tomllib

    for path in SHIPPED.glob("*.toml"):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        for ind in raw.get("indicators", []):
            assert "provisional" in ind, f"{path.name}: {ind['id']} must say provisional = true/false"


def test_a_malformed_standard_is_refused_in_the_users_language(tmp_path):
    text = 'id = "x"\nextends = "vn-2022-2025"\n[income.rural]\npoverty_line = "lots"\n'
    reg = registry_with(tmp_path, "bad.toml", text)
    with pytest.raises(StandardError) as err:
        reg.get("x")
    assert str(err.value) == "bad.toml: income.rural.poverty_line: must be a whole number, found text 'lots'"
    assert err.value.text("vi") == \
        "bad.toml: income.rural.poverty_line: Phải là một số nguyên, nhưng tệp ghi chữ 'lots'"


def test_a_malformed_point_table_is_refused_in_the_users_language(tmp_path):
    from fieldsurvey.domain.income import load_point_table

    path = tmp_path / "b1.toml"
    path.write_text('id = "t"\ntitle = "T"\nstandard = "vn-2022-2025"\nsynthetic = "maybe"\n',
                    encoding="utf-8")
    with pytest.raises(StandardError) as err:
        load_point_table(path)
    assert err.value.text("en") == \
        "b1.toml: synthetic: must say true or false: is this table made up for testing?"
    assert err.value.text("vi") == ("b1.toml: synthetic: Phải ghi true hoặc false: bảng điểm này có phải bảng tự tạo "
                                    "để thử nghiệm không?")


@pytest.mark.parametrize("rows, where, text_vi", [
    ('male = [{ age = [60, 0] }, { born_from = "1961-13", age = [60, 3] }]', "t.toml: male[1].born_from",
     "Phải là tháng sinh ghi dạng NNNN-TT, nhưng tệp ghi '1961-13'"),
    ('male = [{ age = [60, 0] }, { born_from = "1961-01", age = [60, 12] }]', "t.toml: male[1].age",
     "Tuổi phải ghi dạng [năm, tháng] với số tháng từ 0 đến 11; tệp ghi [60, 12]"),
    ('male = [{ born_from = "1961-01", age = [60, 3] }]', "t.toml: male[0].born_from",
     "Dòng đầu tiên không ghi born_from: dòng này áp dụng cho mọi người sinh trước dòng thứ hai"),
    ('male = [{ age = [60, 0] }, { born_from = "1962-01", age = [60, 6] }, { born_from = "1961-01", age = [61, 0] }]',
     "t.toml: male[2].born_from",
     "Tháng sinh born_from phải sau tháng của dòng trước (các dòng xếp từ người sinh sớm nhất)"),
    ('male = [{ age = [60, 0] }, { born_from = "1961-01", age = [59, 0] }]', "t.toml: male[1].age",
     "Người sinh sau không thể có tuổi nghỉ hưu thấp hơn dòng trước"),
])
def test_a_malformed_retirement_table_names_the_row(tmp_path, rows, where, text_vi):
    from fieldsurvey.domain.standards import read_retirement_table

    path = tmp_path / "t.toml"
    path.write_text(f'id = "t"\ntitle_vi = "T"\ntitle_en = "T"\nsource = "S"\nfemale = [{{ age = [55, 0] }}]\n{rows}\n',
                    encoding="utf-8")
    with pytest.raises(StandardError) as err:
        read_retirement_table(path)
    assert err.value.where == f"tables/{where}"
    assert err.value.text("vi") == f"tables/{where}: {text_vi}"


def test_a_local_standard_inherits_the_working_age_and_may_set_its_own_first_age(tmp_path):
    reg = registry_with(tmp_path, "local.toml", HCMC + "\n[working_age]\nfrom_age = 16\n")
    local, national = reg.get("hcm-2022-2025"), reg.get("vn-2022-2025")
    assert local.working_age.from_age == 16 and national.working_age.from_age == 15
    assert local.working_age.retirement is national.working_age.retirement   # the same table, read once
