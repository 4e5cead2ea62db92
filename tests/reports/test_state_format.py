"""The state format (Decree 30/2020) as data: the bundled file, a province's file refused with the line named, and
what every PDF carries — A4, the serif font embedded, text inside the margins, the page number in the top margin."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from fieldsurvey.errors import TemplateError
from fieldsurvey.paths import resource
from fieldsurvey.reports.stateformat import read_state_format, state_format

A4 = (595.28, 841.89)
MM = 72 / 25.4


def test_the_bundled_state_format_is_decree_30():
    sf = state_format()
    assert (round(sf.top / MM), round(sf.bottom / MM), round(sf.left / MM), round(sf.right / MM)) == (20, 20, 30, 15)
    assert sf.fonts["regular"] == "LiberationSerif-Regular.ttf"
    assert 13 <= sf.size("body") <= 14 and 12 <= sf.size("national_title") <= 13 and sf.size("number") == 13
    assert (resource("fonts") / "LICENSE-LiberationSerif.txt").read_text(encoding="utf-8").count(
        "SIL OPEN FONT LICENSE Version 1.1") == 1


def _copy(tmp_path: Path, old: str, new: str) -> Path:
    text = resource("templates", "state-format.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "state.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_a_margin_outside_the_decree_is_refused_with_its_line(tmp_path):
    path = _copy(tmp_path, "margin_left_mm = 30", "margin_left_mm = 25")
    with pytest.raises(TemplateError) as refused:
        read_state_format(path)
    assert refused.value.where == f"{path}:{_line(path, 'margin_left_mm')}"
    assert refused.value.text("vi").endswith("Mục “page.margin_left_mm” phải từ 30 đến 35, ở đây là 25")


@pytest.mark.parametrize("old, new, needle, key", [
    ("body = 14 ", 'body = "14" ', 'body = "14"', "report.template.error.not_a_number"),       # a text, not a number
    ('regular = "LiberationSerif-Regular.ttf"', 'regular = "Times.ttf"', "regular =", "report.template.error.no_font"),
    ("[sizes]", "[sizes\n", "[sizes", "report.template.error.syntax"),                 # TOML that does not parse
])
def test_a_broken_state_format_names_the_line(tmp_path, old, new, needle, key):
    path = _copy(tmp_path, old, new)
    with pytest.raises(TemplateError) as refused:
        read_state_format(path)
    assert refused.value.key == key
    assert refused.value.where == f"{path}:{_line(path, needle)}"


def test_a_missing_template_file_is_named(tmp_path):
    with pytest.raises(TemplateError) as refused:
        read_state_format(tmp_path / "none.toml")
    assert refused.value.text("vi") == f"{tmp_path / 'none.toml'}: Không tìm thấy tệp này"


def test_every_platypus_document_is_a4_in_the_serif_font(commune, tmp_path):
    from fieldsurvey.progress import run_to_end
    from fieldsurvey.services.printing import print_certificates

    out = tmp_path / "c.pdf"
    run_to_end(print_certificates(commune.path, out))
    reader = PdfReader(str(out))
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 1), round(float(box.height), 1)) == (round(A4[0], 1), round(A4[1], 1))
    from tests.reports.conftest import fonts

    found = fonts(out)
    assert found and all("LiberationSerif" in f and "not embedded" not in f for f in found), found
