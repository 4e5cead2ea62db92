"""The child of the kill test (test_killed_writer.py): autosaves in a loop and prints each sequence number right
after its transaction committed. Step `seq` creates household `seq` with 1–5 members, except every third step, which
rewrites every member of household `seq - 1` (an update touching many fields at once).

    python autosave_child.py WORKSPACE FIRST_SEQ [DIE_AFTER]

With DIE_AFTER the child kills itself (SIGKILL) after that many SQLite progress-handler calls inside a transaction
(one per 50 virtual machine steps), so the kill lands inside a statement of a transaction, not between them.
"""

from __future__ import annotations

import os
import signal
import sys

from fieldsurvey.storage import encryption
from fieldsurvey.storage.workspace import Workspace

PASSPHRASE_ENV = "FS_KILL_TEST_PASSPHRASE"   # set: the workspace is encrypted, unlocked with it


def uid(seq: int) -> str:
    return f"{seq:08d}-0000-4000-8000-000000000000"


def members(seq: int) -> int:
    return seq % 5 + 1


def is_update(seq: int) -> bool:
    return seq % 3 == 0


def document(seq: int) -> dict:
    return {"document": "fieldsurvey/household", "document_version": 1, "uuid": uid(seq),
            "form": {"id": "kill-test", "version": "1"}, "review": {"year": 2026, "kind": "annual"},
            "location": {"village": f"Thôn {seq % 4}"}, "interview_date": None,
            "household": {"seq": seq, "floor_area": seq % 90},
            "members": [{"member_id": f"m{i + 1}", "name": f"Người {seq}-{i + 1}",
                         "relationship": "head" if i == 0 else "child"} for i in range(members(seq))]}


def main() -> None:
    path, seq = sys.argv[1], int(sys.argv[2])
    if os.environ.get(PASSPHRASE_ENV):
        encryption.unlock(path, os.environ[PASSPHRASE_ENV])
    ws = Workspace.open(path)
    ws.backups = False
    if len(sys.argv) > 3:
        budget = [int(sys.argv[3])]

        def tick() -> int:  # counts only inside a transaction, so the kill lands in one
            if ws.db.conn.in_transaction:
                budget[0] -= 1
            if budget[0] <= 0:
                os.kill(os.getpid(), signal.SIGKILL)
            return 0

        ws.db.conn.set_progress_handler(tick, 50)
    print("ready", flush=True)
    while True:
        if is_update(seq):
            doc = ws.get_household(uid(seq - 1))
            doc["household"]["last_update"] = seq
            for m in doc["members"]:
                m["note"] = seq
            ws.update_household(doc)
        else:
            ws.save_household(document(seq), status="draft", owner="lan")
        print(seq, flush=True)
        seq += 1


if __name__ == "__main__":
    main()
