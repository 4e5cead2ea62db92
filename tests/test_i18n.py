"""The message catalogues: one per language, split by area, the same keys and placeholders in each language."""

import json
import string
from datetime import date

import pytest

from fieldsurvey import i18n


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_exists_in_both_languages_with_the_same_placeholders():
    vi, en = i18n.catalogue("vi"), i18n.catalogue("en")
    assert set(vi) == set(en), sorted(set(vi) ^ set(en))[:20]
    for key in vi:
        assert _placeholders(vi[key]) == _placeholders(en[key]), key


def test_area_files_are_merged_and_a_key_defined_twice_is_refused(tmp_path, monkeypatch):
    (tmp_path / "vi").mkdir()
    (tmp_path / "vi.json").write_text(json.dumps({"a.x": "một"}), encoding="utf-8")
    (tmp_path / "vi" / "gui.json").write_text(json.dumps({"gui.y": "hai"}), encoding="utf-8")
    monkeypatch.setattr(i18n, "_catalogue_dir", lambda: tmp_path)
    i18n.catalogue.cache_clear()
    try:
        assert i18n.catalogue("vi") == {"a.x": "một", "gui.y": "hai"}
        (tmp_path / "vi" / "reports.json").write_text(json.dumps({"a.x": "ba"}), encoding="utf-8")
        i18n.catalogue.cache_clear()
        with pytest.raises(ValueError, match="reports.json.*a.x.*vi.json"):
            i18n.catalogue("vi")
    finally:
        i18n.catalogue.cache_clear()


@pytest.mark.parametrize("lang, money, day", [("vi", "1.500.000 đ", "23/11/2026"), ("en", "1,500,000 VND", "23 Nov 2026")])
def test_vietnamese_and_english_number_and_date_formats(lang, money, day):
    assert i18n.format_money(1_500_000, lang) == money
    assert i18n.format_date(date(2026, 11, 23), lang) == day


from hypothesis import given, strategies as st  # noqa: E402


def _reference_fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").replace("đ", "d")


@given(st.text())
def test_fold_agrees_with_the_full_unicode_definition(text):
    assert i18n.fold(text) == _reference_fold(text)


@pytest.mark.parametrize("text", ["Nguyễn Văn A", "ĐẶNG THỊ HỒNG", "Ngô Quốc Đông", "H'Mông", "Nguyê\u0303n"])
def test_fold_of_vietnamese_names(text):
    assert i18n.fold(text) == _reference_fold(text)
    assert i18n.fold(text).isascii()
