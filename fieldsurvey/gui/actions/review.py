"""What waits for each role after something came in: for a supervisor, open conflicts and likely duplicates (the
Review view); for an enumerator, returned and newly assigned households (the To-do view)."""

from __future__ import annotations

from fieldsurvey.gui.texts import tr
from fieldsurvey.services import review


class ReviewActions:
    def __init__(self, window):
        self.window = window

    def waiting(self) -> tuple[list[str], tuple[str, str] | None]:
        """Lines saying what waits for the user of this workspace, and the view to offer for it (its name and
        the button's text), or ([], None) when nothing waits."""
        workspace = self.window.workspace
        if workspace.review_available():
            counts = review.open_counts(workspace.ws)
            if counts["conflicts"] or counts["duplicates"]:
                return ([tr("gui.sync.waiting", conflicts=counts["conflicts"], duplicates=counts["duplicates"])],
                        ("review", tr("gui.sync.open_review")))
        elif workspace.todo_available():
            n = len(review.todo(workspace.ws))
            if n:
                return [tr("gui.sync.todo_waiting", n=n)], ("todo", tr("gui.sync.open_todo"))
        return [], None
