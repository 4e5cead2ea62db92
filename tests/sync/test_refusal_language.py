"""Refusals in the user's language: every broken or hostile bundle of the catalogue, the reused sequence number,
the size limits and a record refused inside an accepted bundle carry a catalogue key, so the import report says
them in Vietnamese or English (`ImportReport.text`, `reasons`) while `message`, to_dict and the CLI stay English."""

from __future__ import annotations

import json

import pytest

from tests import onfile
from fieldsurvey.errors import BundleError, FieldSurveyError
from fieldsurvey import parallel
from fieldsurvey.parallel import Pays
from fieldsurvey.services import sync as svc
from fieldsurvey.storage.workspace import Workspace
from fieldsurvey.sync import records as records_mod
from fieldsurvey.sync.container import Limits
from tests.builders import trust_checked
from tests.sync import forge
from tests.sync.test_hostile_bundles import case_items, dump, good, site  # noqa: F401  (site: the fixture)

pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name")

MARKS = set("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def vietnamese(text: str) -> bool:
    return bool(MARKS & set(text.lower()))


def test_every_hostile_bundle_is_refused_in_vietnamese_and_in_the_same_english(site):
    root = site["root"]
    wrong = []
    with Workspace.open(site["ws"]) as ws:
        for i, (name, data, words) in enumerate(case_items(site)):
            path = root / f"lang{i:02d}.fsbundle"
            path.write_bytes(data)
            report = svc.import_one(ws, site["sup"], path)
            vi, en = report.text("vi"), report.text("en")
            key = (report.error or {}).get("key") or ""
            # the same English as `message`, except that a household document's field is named as the app names it
            same = en == report.message or (key == "sync.error.record_document"
                                            and "household document: Review year: must be" in en)
            if not (report.status == "refused" and key.startswith("sync.error.") and same
                    and vi != en and vietnamese(vi) and path.name in vi):
                wrong.append((name, key, report.message, vi))
            json.dumps(report.to_dict())
            assert "error" not in report.to_dict()
    assert wrong == []


def test_some_refusals_word_for_word(site, tmp_path):
    with Workspace.open(site["ws"]) as ws:
        def refused(data: bytes, name: str = "x.fsbundle", **kw):
            path = tmp_path / name
            path.write_bytes(data)
            return svc.import_one(ws, site["sup"], path, **kw)

        other = refused(good(site, commune_code="00001"), "other.fsbundle")
        assert other.text("vi") == ("other.fsbundle: manifest.json: Gói này của xã 00001, không phải xã 02266 "
                                    f"({ws.info.commune_name}) của tệp rà soát này")
        assert other.text("en") == other.message
        year = refused(good(site, review={"year": 2025, "kind": "annual"}))
        assert year.text("vi").endswith("Gói này dành cho đợt rà soát định kỳ năm 2025, không phải đợt rà soát "
                                        "định kỳ năm 2026 của tệp rà soát này")
        assert year.text("en").endswith("is for the annual review 2025, not this workspace's annual review 2026")
        maker = refused(good(site, kind="return"))
        assert maker.text("vi").endswith("Loại gói trả về phải do giám sát viên lập, nhưng gói này do rà soát viên "
                                         "lập")
        assert maker.message.endswith("a return bundle is made by a supervisor, but this one by an enumerator")
        stranger = refused(forge.bundle(site["stranger"], [forge.record()], site["sup"].public))
        assert "Gói được ký bằng một khoá mà tệp rà soát này chưa tin cậy (dấu vân tay " in stranger.text("vi")
        assert "thiết bị dev-x" in stranger.text("vi")
        limited = refused(good(site), limits=Limits(max_file=1000))
        assert limited.text("vi").endswith("Tệp nặng " + f"{(tmp_path / 'x.fsbundle').stat().st_size:,}"
                                           .replace(",", ".") + " byte, lớn hơn mức tối đa của một gói dữ liệu "
                                           "(1.000)")
        bad_doc = forge.record()
        bad_doc["document"]["review"]["year"] = 1850
        doc = refused(good(site, [bad_doc]))
        # the household document's own refusal (a DocumentError) is said in the same language
        assert "Phiếu của hộ: Năm rà soát: " in doc.text("vi") and "household document: review.year: " in doc.message
        assert doc.text("en") == doc.message.replace("review.year: ", "Review year: ")


def test_a_reused_sequence_number_and_refused_records_speak_vietnamese(site, tmp_path):
    first = tmp_path / "first.fsbundle"
    first.write_bytes(good(site, sequence=41))
    other = tmp_path / "other.fsbundle"
    other.write_bytes(good(site, sequence=41))
    with Workspace.open(site["ws"]) as ws:
        assert svc.import_one(ws, site["sup"], first).status == "imported"
        r = svc.import_one(ws, site["sup"], other)
    assert r.status == "refused" and r.text("en") == r.message
    assert r.text("vi") == "other.fsbundle: Thiết bị dev-lan đã nộp một gói khác cũng mang số 41; gói này bị từ chối"

    # a record naming another owner than its sender is refused inside an accepted bundle
    rec = forge.record(user="lan")
    rec["owner"] = "hoa"
    mixed = tmp_path / "mixed.fsbundle"
    mixed.write_bytes(good(site, [rec, forge.record()], sequence=42))
    with Workspace.open(site["ws"]) as ws:
        report = svc.import_one(ws, site["sup"], mixed)
    assert report.status == "imported" and len(report.refused) == 1
    assert report.reasons("vi") == [(rec["uuid"], "Bản ghi ghi người phụ trách là hoa, không phải rà soát viên lan "
                                                  "đã gửi gói")]
    assert report.reasons("en") == [(rec["uuid"], "the record names owner hoa, not the enumerator lan who sent it")]
    # the CLI's JSON and lines are as they were: uuid and the English reason only
    assert report.to_dict()["refused"] == [{"uuid": rec["uuid"], "reason": report.reasons("en")[0][1]}]
    assert svc.describe(report, "en")[1] == f"  refused {rec['uuid']}: {report.reasons('en')[0][1]}"


def test_a_refusal_found_by_the_second_process_keeps_its_key(site, tmp_path, monkeypatch):
    """A large bundle is checked on two cores; the refusal of a record in the child's half comes back whole."""
    if not hasattr(__import__("os"), "fork"):
        pytest.skip("no fork here")
    recs = [forge.record() for _ in range(3)]
    recs.append(forge.record(uuid="ffffffff-ffff-4fff-8fff-ffffffffffff"))   # sorted last: the child's half
    recs[-1]["document"]["location"]["commune_code"] = "00001"
    path = tmp_path / "two.fsbundle"
    path.write_bytes(good(site, recs, sequence=43))
    monkeypatch.setattr(records_mod, "PAYS", Pays(forked=2, spawned=2))   # a worker checks them (forked or spawned)
    monkeypatch.setattr(parallel, "free_cores", lambda: 2)                # whatever else the machine runs now
    before = dump(site["ws"])
    with Workspace.open(site["ws"]) as ws:
        report = svc.import_one(ws, site["sup"], path)
    assert report.status == "refused" and "belongs to commune 00001" in report.message
    assert report.error["key"] == "sync.error.other_commune_household"
    assert report.text("vi").endswith("Hộ này thuộc xã 00001, không phải xã 02266")
    assert dump(site["ws"]) == before


def test_plain_data_round_trips_nested_errors_and_words():
    from fieldsurvey.domain.results import Message
    from fieldsurvey.errors import DocumentError

    inner = DocumentError("storage.error.document.review_year", "review.year", found="1850")
    exc = BundleError("sync.error.record_document", "a.fsbundle: households/x.json", error=inner)
    data = svc.error_data(exc)
    assert json.loads(json.dumps(data)) == data
    back = svc.error_from_data(data)
    assert back.text("vi") == exc.text("vi") == ("a.fsbundle: households/x.json: Phiếu của hộ: Năm rà soát: Phải là "
                                                 "một năm rà soát, ví dụ 2026, nhưng gặp 1850")
    assert back.text("en") == exc.text("en") and str(back) == str(exc)
    worded = BundleError("sync.error.manifest_maker", "w", kind=Message("sync.bundle_a.hand-in"),
                         expected=Message("sync.role_a.supervisor"), role=Message("sync.role_a.enumerator"))
    assert svc.error_from_data(svc.error_data(worded)).text("vi") == worded.text("vi")


def test_service_refusals_outside_an_import_speak_vietnamese(tmp_path):
    lan = tmp_path / "lan.fsdb"
    svc.init_workspace(lan, "lan", "enumerator", "02266", villages=1)
    with pytest.raises(FieldSurveyError) as twice:
        svc.init_workspace(lan, "lan", "enumerator", "02266")
    assert twice.value.text("vi").endswith("Tệp rà soát này đã có danh tính để đồng bộ (tệp khoá đã tồn tại)")
    with pytest.raises(BundleError) as not_sup:
        onfile.review(lan, ["x"], "approve")
    assert not_sup.value.text("vi") == ("Vai trò: Chỉ tệp rà soát của giám sát viên mới duyệt, trả lại hoặc giao hộ "
                                        "cho người khác được")  # the field named in Vietnamese too (where.role)
    assert not_sup.value.text("en").startswith("Role: only a supervisor's workspace")
    with pytest.raises(BundleError) as nobody:
        svc.forget(lan, "nobody")
    assert nobody.value.text("vi") == "nobody: Không khớp với khoá tin cậy nào"
    own = tmp_path / "own.fskey"
    svc.export_key(lan, own)
    with pytest.raises(BundleError) as itself:
        trust_checked(lan, own)
    assert itself.value.text("vi") == f"{own}: Đây là khoá của chính tệp rà soát này"
    assert itself.value.text("en") == str(itself.value)
