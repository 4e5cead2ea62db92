"""An export killed after it took its number (the stick pulled, the power cut) leaves a number no bundle carries; the
next bundle names it, so the supervisor's import never reports a bundle missing that never existed — while a real
gap (a bundle written and not brought) is still reported."""

from __future__ import annotations

import pytest

from fieldsurvey.progress import run_to_end
from fieldsurvey.services import sync as svc


def test_a_killed_export_is_not_reported_missing_for_ever(site, monkeypatch):
    site.add(site.lan, "lan", "Lò Văn Pả")

    def pulled(path, data):   # the stick pulled while the bundle is written
        raise OSError(5, "Input/output error")

    with monkeypatch.context() as m:
        m.setattr(svc, "write_atomically", pulled)
        with pytest.raises(OSError):
            svc.export_bundle(site.lan, site.stick)
    assert list(site.stick.glob("*.fsbundle")) == []
    report = site.send(site.lan, site.sup)          # bundle 2 names bundle 1 as never written
    assert report.sequence == 2 and report.missing_sequences == []
    site.add(site.lan, "lan", "Hà Thị Mỷ")
    site.send(site.lan, site.sup)                    # and no later import brings the phantom back
    site.add(site.lan, "lan", "Đặng Văn Tú")
    again = site.send(site.lan, site.sup)
    assert again.missing_sequences == []


def test_a_bundle_written_but_not_brought_is_still_missing(site):
    site.add(site.lan, "lan", "Lò Văn Pả")
    svc.export_bundle(site.lan, site.stick)          # bundle 1 left on another stick
    site.add(site.lan, "lan", "Hà Thị Mỷ")
    out = svc.export_bundle(site.lan, site.root)     # bundle 2 brought
    (report,) = run_to_end(svc.import_bundles(site.sup, [out.path]))
    assert report.missing_sequences == [1]
    assert any("1" in line for line in svc.describe(report, "en") if "not" in line or "missing" in line.lower())
