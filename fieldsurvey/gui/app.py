"""The desktop app. Until the enumerator's GUI lands (issue 4), a plain window that says what the app is, what the
open workspace holds, and what can be done today — nothing that pretends to be finished."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget

from fieldsurvey.domain.results import HouseholdClass
from fieldsurvey.i18n import format_number
from fieldsurvey.paths import resource


def load_fonts(app: QApplication) -> None:
    """Use the bundled DejaVu Sans so Vietnamese renders on a machine with no fonts of its own."""
    family = None
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        font_id = QFontDatabase.addApplicationFont(str(resource("fonts", name)))
        if font_id >= 0 and family is None:
            family = QFontDatabase.applicationFontFamilies(font_id)[0]
    if family:
        app.setFont(QFont(family, 10))


class StartWindow(QMainWindow):
    def __init__(self, summary: dict | None, lang: str = "vi"):
        super().__init__()
        self.setWindowTitle("FieldSurvey")
        body = QWidget()
        layout = QVBoxLayout(body)
        title = QLabel("<h2>FieldSurvey — Rà soát hộ nghèo, hộ cận nghèo</h2>")
        layout.addWidget(title)
        intro = QLabel(
            "Ứng dụng ngoại tuyến cho rà soát hộ nghèo, cận nghèo hằng năm (chuẩn nghèo đa chiều).\n"
            "Offline app for Vietnam's yearly review of poor and near-poor households.")
        layout.addWidget(intro)
        if summary:
            lines = [f"<b>{summary['commune']}</b> ({summary['commune_code']}) — năm rà soát {summary['year']}, "
                     f"chuẩn {summary['standard']}",
                     f"Số hộ: {format_number(summary['households'], lang)} — thôn/tổ: {len(summary['villages'])}"]
            for cls in HouseholdClass:
                n = summary["classes"].get(cls.value, 0)
                lines.append(f"&nbsp;&nbsp;{cls.label(lang)}: {format_number(n, lang)}")
            ws = QLabel("<br>".join(lines))
            ws.setObjectName("workspaceSummary")
            layout.addWidget(ws)
        today = QLabel(
            "Hôm nay ứng dụng làm được (dòng lệnh): <code>fieldsurvey demo</code>, <code>assess</code>, "
            "<code>classify</code>, <code>standards</code>.<br>Phiếu hỏi, danh sách hộ, đồng bộ và in ấn đang được "
            "xây dựng. / Questionnaire, household list, sync and printing are being built.")
        today.setWordWrap(True)
        layout.addWidget(today)
        layout.addStretch(1)
        self.setCentralWidget(body)
        self.resize(760, 420)


def run(db_path: Path | None = None, lang: str = "vi", demo: bool = False, screenshot: Path | None = None) -> int:
    from fieldsurvey.services.workspaces import create_demo, demo_path, summary
    from fieldsurvey.progress import run_to_end

    app = QApplication.instance() or QApplication(sys.argv[:1])
    load_fonts(app)
    if demo and db_path is None:
        db_path = demo_path()
        if not db_path.exists():
            run_to_end(create_demo(db_path))
    window = StartWindow(summary(db_path) if db_path else None, lang)
    window.show()
    if screenshot:
        app.processEvents()
        window.grab().save(str(screenshot))
        return 0
    return app.exec()
