"""A household's lifecycle in the review: its status, which status may follow which and by whose hand, and what
each status means for the commune's figures. The one place where the statuses are spelled (a test checks).

    draft ⇄ complete ──hand-in──▶ submitted ──approve──▶ approved
                ▲                     │  ▲                   │
                │                  return │ hand-in          │ return (reopen)
                │                     ▼  │                   ▼
                └──── edit ───────── returned ──confirm──▶ confirmed ("checked, no change")

    any status but merged ──move away──▶ moved_away ──came back──▶ draft
    any status but approved and merged ──merge (a duplicate)──▶ merged (kept, never counted)

The enumerator's questionnaire moves a household between draft and complete by itself (complete: nothing
required is missing); a household the supervisor returned stays returned while it is fixed, or is confirmed
unchanged. A hand-in puts finished work before the supervisor as submitted (a confirmed household as confirmed);
only the supervisor approves or returns.
"""

from __future__ import annotations

from enum import StrEnum

from fieldsurvey.domain.results import Message
from fieldsurvey.errors import FieldSurveyError


class HouseholdStatus(StrEnum):
    DRAFT = "draft"              # đang nhập: answers still missing
    COMPLETE = "complete"        # đã nhập đủ: every required answer given
    SUBMITTED = "submitted"      # đã nộp: handed in, waiting for the supervisor
    RETURNED = "returned"        # trả lại: sent back to its enumerator with a comment
    CONFIRMED = "confirmed"      # đã kiểm tra, không thay đổi: a returned household checked and found right
    APPROVED = "approved"        # đã duyệt
    MOVED_AWAY = "moved_away"    # chuyển đi: the household left the commune
    MERGED = "merged"            # đã gộp: a duplicate merged into another household


class Action(StrEnum):
    """Who changes a status, and how."""
    EDIT = "edit"            # the questionnaire's autosave (draft ⇄ complete)
    HAND_IN = "hand_in"      # an enumerator's hand-in applied in the supervisor's workspace
    APPROVE = "approve"      # the supervisor
    RETURN = "return"        # the supervisor
    CONFIRM = "confirm"      # the enumerator: a returned household checked, no change
    MOVE_AWAY = "move_away"
    COME_BACK = "come_back"  # a household that moved away is reviewed again
    MERGE = "merge"          # a duplicate merged into the household that stays


S = HouseholdStatus
_ALL = frozenset(S)

# Which status each action may start from, and the status it leads to (None: the action's own rule decides, see
# `after_edit` and `after_hand_in`).
_FROM: dict[Action, frozenset[HouseholdStatus]] = {
    Action.EDIT: _ALL - {S.MERGED},
    Action.HAND_IN: _ALL - {S.MERGED},
    Action.APPROVE: frozenset({S.COMPLETE, S.SUBMITTED, S.CONFIRMED}),
    Action.RETURN: frozenset({S.COMPLETE, S.SUBMITTED, S.CONFIRMED, S.APPROVED}),
    Action.CONFIRM: frozenset({S.RETURNED}),
    Action.MOVE_AWAY: _ALL - {S.MERGED, S.MOVED_AWAY},
    Action.COME_BACK: frozenset({S.MOVED_AWAY}),
    Action.MERGE: _ALL - {S.MERGED, S.APPROVED},
}
_TO: dict[Action, HouseholdStatus] = {Action.APPROVE: S.APPROVED, Action.RETURN: S.RETURNED,
                                      Action.CONFIRM: S.CONFIRMED, Action.MOVE_AWAY: S.MOVED_AWAY,
                                      Action.COME_BACK: S.DRAFT, Action.MERGE: S.MERGED}
DECISIONS = frozenset(_TO)
"""The actions that set a status of their own (`target`); the questionnaire's edits and hand-ins follow the answers
and the incoming record (`after_edit`, `after_hand_in`)."""

# --- what a status means for the figures ----------------------------------------------------------------------------

RESIDENT = _ALL - {S.MOVED_AWAY, S.MERGED}
"""Households of this review's list that live in the commune (the others are never counted in a class)."""
FINISHED = frozenset({S.COMPLETE, S.SUBMITTED, S.CONFIRMED, S.APPROVED})
"""Resident households whose questionnaire is finished: their class is counted in the working figures."""
IN_PROGRESS = frozenset({S.DRAFT, S.RETURNED})
"""Resident households still being filled or fixed: shown apart, never in a class."""
WAITING_FOR_REVIEW = frozenset({S.COMPLETE, S.SUBMITTED, S.CONFIRMED})
"""What the supervisor's Review view offers to approve or return."""
OFFICIAL = frozenset({S.APPROVED})
"""What the official figures and documents count."""
HANDED_IN_KEPT = frozenset({S.DRAFT, S.MOVED_AWAY, S.CONFIRMED})
"""Statuses a hand-in keeps as they come; any other handed-in status waits for review as submitted."""
EDITABLE_BY_FORM = frozenset({S.DRAFT, S.COMPLETE})
"""Statuses the questionnaire sets by itself from the answers (any other status stays while editing)."""


class TransitionError(FieldSurveyError):
    """A status change the lifecycle does not allow: says which household, its status and why."""


def allowed(action: Action, old: HouseholdStatus | str) -> bool:
    return HouseholdStatus(old) in _FROM[action]


def target(action: Action, old: HouseholdStatus | str, uuid: str = "") -> HouseholdStatus:
    """The status `action` leads to from `old`; TransitionError when the action may not start there."""
    old = HouseholdStatus(old)
    if action not in DECISIONS:
        raise ValueError(f"{action} follows the answers or the incoming record, not a target of its own")
    if old not in _FROM[action]:
        raise TransitionError(f"lifecycle.error.{action.value}", uuid or None, status=word(old),
                              why=reason(action, old))
    return _TO[action]


def after_edit(old: HouseholdStatus | str, complete: bool) -> HouseholdStatus:
    """The status after the questionnaire saved an answer: draft and complete follow the answers (complete when
    nothing required is missing); a confirmed household that is changed again is no longer "no change" (back to
    returned); any other status stays."""
    old = HouseholdStatus(old)
    if old in EDITABLE_BY_FORM:
        return S.COMPLETE if complete else S.DRAFT
    if old is S.CONFIRMED:
        return S.RETURNED
    return old


def after_hand_in(incoming: HouseholdStatus | str) -> HouseholdStatus:
    """The status an enumerator's handed-in household takes in the supervisor's workspace: finished work (complete,
    fixed after a return, changed after an approval) waits for review as submitted; a household confirmed unchanged
    after a return waits as confirmed; a draft stays a draft; a household that moved away stays so. An enumerator
    never approves: a handed-in "approved" waits for review like any other."""
    incoming = HouseholdStatus(incoming)
    return incoming if incoming in HANDED_IN_KEPT else S.SUBMITTED


def can_move(old: HouseholdStatus | str, new: HouseholdStatus | str) -> bool:
    """Whether some hand may move a household from `old` to `new` (a status given with a whole document: an
    import, a restore of another line of work): an action's own step, the questionnaire's draft ⇄ complete, or a
    hand-in's outcome."""
    old, new = HouseholdStatus(old), HouseholdStatus(new)
    if old is new:
        return True
    if any(old in _FROM[a] and to is new for a, to in _TO.items()):
        return True
    if old in EDITABLE_BY_FORM and new in EDITABLE_BY_FORM or (old is S.CONFIRMED and new is S.RETURNED):
        return True
    return old in _FROM[Action.HAND_IN] and (new is S.SUBMITTED or new in HANDED_IN_KEPT)


def needs_reason(old: HouseholdStatus | str) -> bool:
    """A change to an approved household is audited with a reason."""
    return HouseholdStatus(old) is S.APPROVED


def word(status: HouseholdStatus | str) -> Message:
    """A status as the user reads it (a catalogue Message: `status.<status>`)."""
    return Message(f"status.{HouseholdStatus(status).value}")


def reason(action: Action, old: HouseholdStatus) -> Message:
    """Why `action` cannot start from `old`, in words (a catalogue Message)."""
    return Message(f"lifecycle.why.{old.value}")
