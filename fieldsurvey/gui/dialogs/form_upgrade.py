"""The question asked before households move to a newer version of their form: how many, to which version, what the
move does, the households that cannot move and why — and, when an approved household is among them, the reason
for the change (required, as for any change to an approved household)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from fieldsurvey.gui.dialogs.comment import CommentDialog
from fieldsurvey.gui.texts import language, tr
from fieldsurvey.services.form_upgrade import Plan

SHOWN = 12   # refused households named; the others are counted


def versions_of(plan: Plan) -> str:
    """The versions moved to, as the user reads them: '2026.2' (two forms: '2026.2, 2027.2')."""
    return ", ".join(sorted({c.to for c in plan.moves}))


def refused_lines(plan: Plan) -> list[str]:
    lines = [tr("gui.upgrade.refused", n=len(plan.refused))]
    for r in plan.refused[:SHOWN]:
        h = r.household
        lines.append("• " + tr("forms.upgrade.refused_line", name=h.head_name or tr("gui.list.no_name"),
                                village=h.village or "—", version=h.version or "—",
                                reason=r.reason.body(language.code)))
    if len(plan.refused) > SHOWN:
        lines.append("…")
    return lines


def upgrade_prompt(plan: Plan, head: str | None = None) -> str:
    """What the confirmation says: the question (one household by its head, or how many), what a move does, who
    cannot move and why, and whether a reason is required."""
    to = versions_of(plan)
    if head is not None and len(plan.moves) == 1:
        first = tr("gui.upgrade.prompt_one", head=head, version=plan.moves[0].version, to=to)
    else:
        first = tr("gui.upgrade.prompt_all", n=len(plan.moves), to=to)
    parts = [first, tr("gui.upgrade.what")]
    if plan.refused:
        parts.append("\n".join(refused_lines(plan)))
    if not plan.needs_reason:
        parts.append(tr("gui.upgrade.reason_optional"))
    else:
        parts.append(tr("gui.upgrade.reason_needed_one") if head is not None and len(plan.moves) == 1
                     else tr("gui.upgrade.reason_needed", n=plan.approved))
    return "\n\n".join(parts)


class UpgradeDialog(CommentDialog):
    """Asks before the move; its text box takes the reason kept in each household's history."""

    def __init__(self, plan: Plan, parent: QWidget | None = None, head: str | None = None):
        super().__init__(tr("gui.upgrade.title"), upgrade_prompt(plan, head), plan.needs_reason, parent=parent,
                         required_key="gui.upgrade.required", ok_text=tr("gui.upgrade.ok"))
        self.setObjectName("upgradeDialog")
        self.plan = plan


def show_none_can_move(plan: Plan, parent: QWidget) -> QMessageBox:
    """None of the households on an older version can move: each named with the reason."""
    box = QMessageBox(QMessageBox.Information, tr("gui.upgrade.title"),
                      tr("gui.upgrade.none_can") + "\n\n" + "\n".join(refused_lines(plan)[1:]), QMessageBox.Ok, parent)
    box.setObjectName("upgradeRefused")
    box.open()
    return box
