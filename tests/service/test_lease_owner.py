"""bot/service/lease_owner.py: lease holders on this host whose process is gone."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.service.lease_owner import dead_owners, owner_id


def test_a_finished_process_on_this_host_is_dead_others_are_left_alone() -> None:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    host = owner_id().partition(":")[0]
    gone = f"{host}:{child.stdout.strip()}:abcd"
    me = owner_id()
    elsewhere = f"another-host:{child.stdout.strip()}:abcd"
    assert dead_owners([gone, me, elsewhere, "garbage"]) == [gone]
    assert me.split(":")[1] == str(os.getpid())
    assert dead_owners(["h:12:x", "h:13:y"], host="h", alive=lambda pid: pid == 12) == [
        "h:13:y"
    ]
