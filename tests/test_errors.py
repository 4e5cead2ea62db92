"""Errors in the user's language: FieldSurveyError keeps its English message (str, CLI, logs) and renders its
catalogue key in Vietnamese or English with text(lang); every user-facing raise in storage and the services has a
key that both catalogues know, with the placeholders its values fill."""

from __future__ import annotations

import ast
import json
import os
import pickle
import string
from pathlib import Path

import pytest

from fieldsurvey import i18n
from fieldsurvey.domain.results import Message
from fieldsurvey.errors import DocumentError, FieldSurveyError, WorkspaceError
from fieldsurvey.storage.lock import release_writer_lock, take_writer_lock
from fieldsurvey.storage.workspace import Workspace, WorkspaceInfo

ROOT = Path(__file__).parents[1]
INFO = WorkspaceInfo("08", "Tuyên Quang", "02269", "Lâm Bình", "rural", 2026, "annual", "vn-2022-2025")


def test_str_and_message_stay_english_and_text_speaks_the_language():
    exc = WorkspaceError("storage.error.no_such_file", "/data/x.fsdb")
    assert str(exc) == "/data/x.fsdb: no such file"
    assert exc.message == "no such file"
    assert exc.text("vi") == "/data/x.fsdb: Không tìm thấy tệp này"
    assert exc.text("en") == "/data/x.fsdb: no such file"
    assert exc.text() == exc.text("vi")  # Vietnamese first


def test_values_fill_the_placeholders_with_the_language_formats():
    exc = WorkspaceError("report.error.ambiguous_id", "ab12", n=1234)
    assert exc.text("vi") == "ab12: Có 1.234 hộ có mã bắt đầu như vậy; hãy nhập thêm ký tự của mã"
    assert exc.text("en") == "ab12: 1,234 households start with this id; give more of it"


def test_an_unknown_key_or_a_missing_value_shows_the_key_and_values_never_a_raw_template():
    assert FieldSurveyError("storage.error.no_such_key", "w").text("vi") == "w: storage.error.no_such_key"
    # the catalogue wants {village} and {villages}: without {villages} the key and what is known are shown
    assert WorkspaceError("report.error.no_village", "village", village="X").text("vi") \
        == "Thôn: report.error.no_village (village=X)"


def test_a_field_name_as_where_is_translated_and_a_path_is_not():
    exc = WorkspaceError("gui.error.no_enumerator", "enumerator")
    assert exc.text("vi") == "Rà soát viên: Cần nhập tên rà soát viên"
    assert exc.text("en") == "Enumerator: the enumerator's name is required"
    assert str(exc) == "enumerator: the enumerator's name is required"
    year = WorkspaceError("storage.error.year_must_follow", "--year", year=2026)
    assert year.text("vi") == "Năm rà soát: Năm rà soát mới phải sau năm 2026"


def test_nested_errors_and_messages_render_in_the_same_language():
    inner = WorkspaceError("storage.error.no_such_file")
    outer = WorkspaceError("storage.error.cannot_create", "/x", error=inner)
    assert outer.text("vi") == "/x: Không tạo được tệp rà soát: Không tìm thấy tệp này"
    assert outer.text("en") == "/x: cannot create the workspace: no such file"
    moved = WorkspaceError("lifecycle.error.move", "u1", status=Message("status.approved"),
                           new=Message("status.draft"))
    assert moved.text("vi") == "u1: Hộ đang ở trạng thái “Đã duyệt” thì không chuyển sang “Đang nhập” được"
    assert moved.text("en") == "u1: a household that is “Approved” cannot become “Draft”"


def test_an_error_keeps_its_key_and_values_through_pickling():
    exc = DocumentError("storage.error.duplicate_key", "in.json", name="a")
    back = pickle.loads(pickle.dumps(exc))
    assert str(back) == str(exc) and back.text("vi") == "in.json: Khóa 'a' xuất hiện hai lần"


# --- real refusals from storage -----------------------------------------------------------------------------------

def test_real_storage_refusals_speak_vietnamese(tmp_path):
    with pytest.raises(WorkspaceError) as missing:
        Workspace.open(tmp_path / "none.fsdb")
    assert missing.value.text("vi").endswith("Không tìm thấy tệp này")

    path = tmp_path / "a.fsdb"
    Workspace.create(path, INFO, ["Thôn 1"], mounts_text="").close()
    with pytest.raises(WorkspaceError) as exists:
        Workspace.create(path, INFO, ["Thôn 1"], mounts_text="")
    assert str(exists.value).endswith("a file of that name already exists; choose another name or remove it")
    assert exists.value.text("vi") == f"{path}: Đã có một tệp trùng tên; hãy chọn tên khác hoặc xóa tệp đó"

    text = tmp_path / "notes.fsdb"
    text.write_text("hello, not a database", encoding="utf-8")
    with pytest.raises(WorkspaceError) as not_db:
        Workspace.open(text, mounts_text="")
    assert "không phải cơ sở dữ liệu SQLite" in not_db.value.text("vi")

    share = f"server:/export {tmp_path} nfs4 rw 0 0\n"
    with pytest.raises(WorkspaceError) as nfs:
        Workspace.open(path, mounts_text=share)
    assert f"Tệp rà soát nằm trên ổ mạng dùng chung (nfs4 tại {tmp_path})" in nfs.value.text("vi")
    assert "network share (nfs4" in nfs.value.text("en")


@pytest.mark.skipif(os.name != "posix", reason="the writer lock is POSIX flock")
def test_a_workspace_locked_by_another_process_refuses_edits_in_vietnamese(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "a.fsdb"
    Workspace.create(path, INFO, ["Thôn 1"], mounts_text="").close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, fcntl, os\n"
        f"fd = os.open({str(path.with_name('.a.fsdb.lock'))!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\nsys.stdin.read()\n")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        ws = Workspace.open(path, mounts_text="")
        try:
            assert ws.read_only
            with pytest.raises(WorkspaceError) as refused:
                ws.set_meta("x", "y")
            assert refused.value.text("vi") == (
                f"{path}: Tệp đang được mở trong một cửa sổ FieldSurvey khác (hoặc một lệnh) trên máy này nên chỉ "
                "mở được ở chế độ chỉ đọc; hãy đóng cửa sổ kia để sửa")
            assert "open in another FieldSurvey" in refused.value.text("en")
        finally:
            ws.close()
    finally:
        holder.stdin.close()
        holder.wait()
    assert take_writer_lock(path)
    release_writer_lock(path)


# --- every raise site ---------------------------------------------------------------------------------------------

PACKAGE = ROOT / "fieldsurvey"
# every error raised here has a key (what a user of the app may meet)
SYNC = [*sorted((PACKAGE / "sync").glob("*.py")), PACKAGE / "services" / "sync.py", PACKAGE / "cli" / "sync.py",
        PACKAGE / "storage" / "sync_store.py"]
SCANNED = [*sorted((PACKAGE / "storage").glob("*.py")), PACKAGE / "domain" / "document.py",
           *[PACKAGE / "services" / f"{n}.py"
             for n in ("printing", "households", "figures", "forms", "workspaces", "assessment", "review")],
           *SYNC]
SKIPPED: set[str] = set()
ERRORS = {"FieldSurveyError", "DocumentError", "StandardError", "FormError", "WorkspaceError", "BundleError",
          "ExpressionError", "TemplateError"}


def _raise_sites(paths=None):
    for path in paths or SCANNED:
        if path.name in SKIPPED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ERRORS:
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _keys(node: ast.expr) -> list[str]:
    """The catalogue keys a `key=` argument can take: a string, either branch of `a if c else b`, the values of a
    literal dict's .get(...), or a name bound to one of those in the same function (checked by hand below)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _keys(node.body) + _keys(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [k for v in node.values for k in _keys(v)]
    return []


def test_the_scan_finds_the_raise_sites():
    sites = dict(_raise_sites())
    assert len(sites) >= 65
    assert any(s.startswith("fieldsurvey/storage/workspace.py") for s in sites)
    assert any(s.startswith("fieldsurvey/services/printing.py") for s in sites)
    assert any(s.startswith("fieldsurvey/domain/document.py") for s in sites)
    for path in SYNC:   # (sync_store.py raises nothing: it only reads and writes rows)
        if path.name in ("__init__.py", "sync_store.py"):
            continue
        assert any(s.startswith(str(path.relative_to(ROOT)) + ":") for s in sites), path
    assert len([s for s in sites if "sync" in s]) >= 120


def _key_arg(call: ast.Call) -> ast.expr | None:
    return call.args[0] if call.args else None


def test_every_error_names_a_catalogue_key_never_an_english_sentence():
    """Messages are written once, in the catalogues: every raise names a key (a literal, or one computed from
    literals) — never a sentence."""
    sentences = []
    for site, call in _raise_sites(sorted(PACKAGE.rglob("*.py"))):
        arg = _key_arg(call)
        keys = _keys(arg) if arg is not None else []
        if arg is None or any(" " in k or "." not in k for k in keys) or isinstance(arg, ast.JoinedStr):
            sentences.append(site)
    assert sentences == []


def test_every_key_given_anywhere_is_in_both_catalogues_with_the_placeholders_its_values_fill():
    vi, en = i18n.catalogue("vi"), i18n.catalogue("en")
    unknown, unfilled = [], []
    checked = 0
    for site, call in _raise_sites(sorted(PACKAGE.rglob("*.py"))):
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        arg = _key_arg(call)
        if arg is None:
            continue
        checked += 1
        given = set(kw) | ({"*"} if any(k.arg is None for k in call.keywords) else set())
        keys = _keys(arg)
        if not keys:  # a computed key (durability's detail, the read-only reason, the restore refusal)
            continue
        for key in keys:
            if key not in vi or key not in en:
                unknown.append(f"{site}: {key}")
            elif "*" not in given and not _placeholders(vi[key]) <= given:
                unfilled.append(f"{site}: {key} wants {_placeholders(vi[key]) - given}")
    assert checked >= 190
    assert unknown == []
    assert unfilled == []


def test_computed_keys_exist_too():
    from fieldsurvey.storage import durability

    vi, en = i18n.catalogue("vi"), i18n.catalogue("en")
    src = (ROOT / "fieldsurvey" / "storage" / "durability.py").read_text(encoding="utf-8") \
        + (ROOT / "fieldsurvey" / "storage" / "workspace.py").read_text(encoding="utf-8") \
        + (ROOT / "fieldsurvey" / "storage" / "backups.py").read_text(encoding="utf-8")
    named = {node.value for node in ast.walk(ast.parse(src)) if isinstance(node, ast.Constant)
             and isinstance(node.value, str) and node.value.startswith("storage.error.")}
    assert {"storage.error.network_share", "storage.error.removable_disk", "storage.error.busy",
            "storage.error.read_only", "storage.error.backup_missing"} <= named
    assert [k for k in named if k not in vi or k not in en] == []
    key, values = durability.storage_problem_detail(Path("/mnt/x/a.fsdb"), "//srv/share /mnt/x cifs rw 0 0\n")
    assert key == "storage.error.network_share" and _placeholders(vi[key]) == set(values)


def test_the_sync_areas_computed_keys_exist_too():
    """Keys not written as `key="…"` on a raise: the JSON decoder's hook refusals (container._Refused), the
    records refused inside an accepted bundle, the words put into refusals (roles, bundle kinds, review rounds,
    duplicate decisions)."""
    from fieldsurvey.sync.keys import ROLES
    from fieldsurvey.sync.records import KINDS

    vi, en = i18n.catalogue("vi"), i18n.catalogue("en")
    named = set()
    for path in SYNC:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value.startswith("sync.error."):
                named.add(node.value)
    assert {"sync.error.duplicate_key", "sync.error.long_key", "sync.error.not_a_number",
            "sync.error.record_assigned", "sync.error.record_merged", "sync.error.record_owner",
            "sync.error.sequence_reused", "sync.error.cannot_store"} <= named
    words = {*(f"sync.role.{r}" for r in ROLES), *(f"sync.role_a.{r}" for r in ROLES),
             *(f"sync.bundle_a.{k}" for k in KINDS), "sync.round.annual", "sync.round.monthly",
             "sync.decided.merged", "sync.decided.apart"}
    assert [k for k in sorted(named | words) if k not in vi or k not in en] == []


def test_vietnamese_error_texts_carry_their_diacritics():
    """A Vietnamese text typed without its marks would read as English letters: each one has some."""
    vi = i18n.catalogue("vi")
    marks = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
    bare = [k for k, v in vi.items() if ".error." in k and not marks & set(v.lower())]
    assert bare == []


def test_a_document_refusal_reads_in_vietnamese_with_its_field_named():
    from fieldsurvey.domain.document import parse_household
    from fieldsurvey.domain.standards import default_registry

    doc = {"uuid": "0b6f0c7e-8d3a-4a55-9d8e-1b2c3d4e5f60", "review": {"year": 2026}, "interview_date": "2026-1"}
    with pytest.raises(DocumentError) as bad:
        parse_household(doc)
    assert str(bad.value) == "interview_date: '2026-1' is not a date written YYYY-MM-DD"
    assert bad.value.text("vi") == "Ngày phỏng vấn: '2026-1' không phải là một ngày viết theo dạng NNNN-TT-NN"
    with pytest.raises(FieldSurveyError) as no_year:
        default_registry().for_year(1999)
    assert no_year.value.text("vi") == "Năm rà soát: Chưa có chuẩn nghèo nào áp dụng cho năm rà soát 1999"


# --- the form definitions' problems ---------------------------------------------------------------------------------

FORMENGINE = sorted((PACKAGE / "formengine").glob("*.py"))


def test_every_form_problem_names_a_catalogue_key_with_the_values_it_wants():
    """A form's problem is `Located(sheet, row, column, key, {values})`: the key in both catalogues, its
    placeholders filled (a key computed from an expression's error is that error's own, checked above)."""
    vi, en = i18n.catalogue("vi"), i18n.catalogue("en")
    found, wrong = 0, []
    for path in FORMENGINE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Located"):
                continue
            site = f"{path.relative_to(ROOT)}:{node.lineno}"
            keys = _keys(node.args[3]) if len(node.args) > 3 else []
            if len(node.args) > 3 and isinstance(node.args[3], (ast.Attribute, ast.Starred)):  # exc.key; *(key, values)
                continue
            found += 1
            values = node.args[4] if len(node.args) > 4 else None
            given = {k.value for k in values.keys if isinstance(k, ast.Constant)} if isinstance(values, ast.Dict) \
                else set()
            if not keys:
                wrong.append(f"{site}: no literal key")
            for key in keys:
                if " " in key or key not in vi or key not in en:
                    wrong.append(f"{site}: {key}")
                elif not _placeholders(vi[key]) <= given or not _placeholders(en[key]) <= given:
                    wrong.append(f"{site}: {key} wants {_placeholders(vi[key]) - given}")
    assert found >= 24
    assert wrong == []


def test_every_forms_key_named_in_the_engine_is_in_both_catalogues():
    """Keys the engine names outside a raise (the words put into messages: 'the end', 'at least 2')."""
    vi, en = i18n.catalogue("vi"), i18n.catalogue("en")
    named = {node.value for path in FORMENGINE for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("forms.")
             and not node.value.endswith(".")}  # (a prefix such as "forms.type." is completed by a known word)
    assert {"forms.word.the_end", "forms.word.at_least", "forms.where.cell", "forms.error.refused"} <= named
    assert [k for k in sorted(named) if k not in vi or k not in en] == []


def test_a_broken_form_reads_in_vietnamese_and_in_english_with_sheet_row_and_column(tmp_path):
    from click.testing import CliRunner

    from fieldsurvey.cli import main
    from fieldsurvey.errors import FormError
    from fieldsurvey.formengine.loader import load_form
    from fieldsurvey.formengine.model import FormErrors, located

    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "survey.csv").write_text("type,name,relevant\ninteger,age,\ninclude,where,\ntext,why,${age} >\n"
                                       "text,age,\n", encoding="utf-8")
    with pytest.raises(FormErrors) as refused:
        load_form(folder)
    exc = refused.value
    assert located(exc, "en") == [
        "[survey sheet, row 3, column 'type'] 'include' is an ODK type this engine does not support (supported: "
        "text, integer, decimal, date, time, datetime, select_one, select_multiple, rank, range, geopoint, barcode, "
        "image, audio, video, file, acknowledge, note, calculate, hidden, begin/end group, begin/end repeat)",
        "[survey sheet, row 5, column 'name'] the name 'age' is used twice (first on row 2)",
        "[survey sheet, row 4, column 'relevant'] expected a value, a ${name}, a function or '(', found the end at "
        "position 9 in '${age} >'"]
    assert located(exc, "vi") == [
        "[trang survey, dòng 3, cột 'type'] 'include' là một loại câu hỏi của ODK mà phần mềm này chưa hỗ trợ "
        "(các loại dùng được: text, integer, decimal, date, time, datetime, select_one, select_multiple, rank, range, "
        "geopoint, barcode, image, audio, video, file, acknowledge, note, calculate, hidden, begin/end group, "
        "begin/end repeat)",
        "[trang survey, dòng 5, cột 'name'] Tên 'age' được dùng hai lần (lần đầu ở dòng 2)",
        "[trang survey, dòng 4, cột 'relevant'] Cần một giá trị, một ${tên}, một hàm hoặc '(', nhưng gặp hết biểu "
        "thức ở vị trí 9 trong '${age} >'"]
    assert exc.text("vi").startswith(f"{folder}: Biểu mẫu không dùng được: [trang survey, dòng 3, cột 'type']")
    assert str(exc).startswith(f"{folder}: the form cannot be used: [survey sheet, row 3, column 'type']")
    assert str(pickle.loads(pickle.dumps(exc))) == str(exc)
    with pytest.raises(FormError) as missing:
        load_form(tmp_path / "none")
    assert missing.value.text("vi") == f"{tmp_path / 'none'}: Không có biểu mẫu này (cần một thư mục có " \
        "survey.csv, hoặc một tệp .xlsx)"

    english = CliRunner().invoke(main, ["form", "check", str(folder)])
    assert english.exit_code == 1 and json.loads(english.output)["errors"] == located(exc, "en")
    vietnamese = CliRunner().invoke(main, ["form", "check", str(folder), "--lang", "vi"])
    assert vietnamese.exit_code == 1 and json.loads(vietnamese.output)["errors"] == located(exc, "vi")
