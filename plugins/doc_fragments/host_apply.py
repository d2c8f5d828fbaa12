# -*- coding: utf-8 -*-
# Copyright (c) netreq.firewall contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The options and promises every host applier shares: the host lock and the apply journal."""

    DOCUMENTATION = r"""
options:
  lock_timeout:
    description:
      - Seconds to wait for the host lock C(/run/netreq.lock) when another apply of this collection runs on the
        host (any backend); then the task fails naming the holder, without changing anything.
      - Check mode does not take the lock.
    type: int
    default: 60
  confirm_timeout:
    description:
      - When greater than 0 and the run changes the host, the previous rule set is restored by the host itself after
        this many seconds unless M(netreq.firewall.host_confirm) confirms the change first, over a new connection.
        A rule set that cuts the controller off cannot be confirmed, so it undoes itself.
      - The timer is a detached process on the host; the journal stays until the confirmation or the restore, so a
        timer lost to a reboot is restored by the next run too.
      - V(0) disables it.
    type: int
    default: 0
notes:
  - A real run holds the host lock C(/run/netreq.lock) (an C(flock), released by the kernel when the holder dies)
    from the first read to the end.
  - Before the first change, the backup of what the apply overwrites is written to the journal
    C(/var/lib/netreq/journal-<backend>.json); it is removed when the apply is done or rolled back. When it cannot
    be written (a full disk), the task fails and nothing is changed.
  - A journal left by an apply that never finished (a killed process, a power loss) is restored at the start of
    the next real run, before anything is read; the run warns and returns the restored objects as RV(ignore:recovered).
"""
