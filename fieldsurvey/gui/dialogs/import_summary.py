"""What an import of bundles brought, bundle by bundle, in the app's language — and, when something now waits for
the user (conflicts and likely duplicates for a supervisor, returned households for an enumerator), how many, with
a button that opens the view where it waits."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QSizePolicy, QSpacerItem, QWidget

from fieldsurvey.gui.texts import tr
from fieldsurvey.services import values, villages


def report_lines(reports, lang: str, held=None) -> list[str]:
    """One line per bundle (its counts, or why it was refused or skipped), and one per record refused inside an
    accepted bundle, each reason in `lang` (a report's `message` stays English for the command line). `held`: how
    the answers held for the supervisor are said (the app: by the household's head and the form's labels)."""
    held = held or (lambda entries: values.held_lines(entries, lang))
    lines = []
    for r in reports:
        if r.status == "refused":
            why = r.text(lang).removeprefix(f"{r.file}: ")   # the line names the file already
            lines.append(tr("gui.sync.refused", file=r.file, message=why))
        elif r.status == "already":
            lines.append(tr("gui.sync.already", file=r.file))
        else:
            c = r.counts
            lines.append(tr("gui.sync.imported", file=r.file, new=c["new"], updated=c["updated"],
                            conflicts=c["conflicts"], refused=c["refused"]))
            lines += [tr("sync.import.refused_record", uuid=uuid, reason=reason) for uuid, reason in r.reasons(lang)]
            lines += held(r.held)
            lines += villages.village_lines(r, lang)   # followed a rename, not on the list, the supervisor's list
            if r.clock_off:
                lines.append(tr("sync.import.clock_off", device=r.device, created=r.clock_off[:10]))
    return lines


class ImportSummaryDialog(QMessageBox):
    """The summary, not modal-blocking (the list behind it is already refreshed). `offer`: (view, button text)
    for the view where something now waits; its button asks for that view through `view_requested`."""

    view_requested = Signal(str)

    def __init__(self, text: str, offer: tuple[str, str] | None, parent: QWidget | None = None):
        super().__init__(QMessageBox.Information, tr("gui.action.import_bundles"), text, QMessageBox.Ok, parent)
        self.setObjectName("importSummary")
        grid = self.layout()  # wide enough for a bundle's file name and its counts on one line
        grid.addItem(QSpacerItem(760, 0, QSizePolicy.Minimum, QSizePolicy.Expanding), grid.rowCount(), 0, 1,
                     grid.columnCount())
        if offer is not None:
            view, label = offer
            button = self.addButton(label, QMessageBox.AcceptRole)
            button.setObjectName("openReview" if view == "review" else "openTodo")
            button.clicked.connect(lambda _checked=False, v=view: self.view_requested.emit(v))
            self.setDefaultButton(button)
