"""Teams: who reports to whom, and a member-level array summed into each manager's team.

A manager's team is every rep whose chain of managers reaches them (direct and indirect
reports), never the manager themself; ``direct`` keeps direct reports only. Membership is as the
reps table gives it for the whole plan year, and every member counts, whatever their role and
whether or not a plan covers them. Arrays are (trials, reps, windows): members are the cube's
reps, teams belong to the reps a plan covers (its roster). A team sum is one gather and one
``np.add.reduceat`` over a membership index, never a loop over managers.

>>> reps = pd.DataFrame({"rep_id": ["D", "M1", "M2", "A", "B", "C"],
...                      "manager_id": [None, "D", "D", "M1", "M1", "M2"]})
>>> teams = build_teams(reps, np.array([0, 1, 2]), direct=False)
>>> values = np.arange(6.0).reshape(1, 6, 1)   # D 0, M1 1, M2 2, A 3, B 4, C 5
>>> teams.sum(values)[0, :, 0].tolist()          # D: M1 + M2 + A + B + C; M1: A + B; M2: C
[15.0, 7.0, 5.0]
>>> build_teams(reps, np.array([0]), direct=True).sum(values)[0, :, 0].tolist()
[3.0]
>>> build_teams(reps, np.array([1, 3]), direct=False, include_self=True).sum(values)[0, :, 0].tolist()
[8.0, 3.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from comp_sim.errors import DataError, Issue


@dataclass(frozen=True)
class Teams:
    """Team membership of a roster: member positions in the cube, grouped by owner."""

    reps: int  # the roster's size
    members: np.ndarray  # (pairs,) cube positions of members, grouped by owner
    owners: np.ndarray  # (groups,) roster index of each group's owner (owners with a member)
    starts: np.ndarray  # (groups,) first pair of each group

    def sum(self, values: np.ndarray) -> np.ndarray:
        """(trials, cube reps, windows) -> (trials, roster reps, windows): each owner's team sum
        (0 for an owner without reports). An array the same in every trial (stride 0 along
        trials, as targets are) is summed once."""
        if values.shape[0] > 1 and values.strides[0] == 0:
            one = self.sum(values[:1])
            return np.broadcast_to(one, (values.shape[0], *one.shape[1:]))
        out = np.zeros((values.shape[0], self.reps, values.shape[2]))
        if self.members.size:
            out[:, self.owners, :] = np.add.reduceat(values[:, self.members, :], self.starts, axis=1)
        return out


def manager_positions(reps: pd.DataFrame) -> np.ndarray:
    """Each rep's manager's position in ``reps`` (-1 without one), (reps,)."""
    if "manager_id" not in reps:
        return np.full(len(reps), -1)
    manager = reps["manager_id"]
    return pd.Index(reps["rep_id"].astype(str)).get_indexer(manager.where(manager.notna(), None).astype(object))


def build_teams(reps: pd.DataFrame, roster: np.ndarray, direct: bool, include_self: bool = False) -> Teams:
    """The teams of the roster's reps (``roster``: their positions in ``reps``); with
    ``include_self`` each rep is a member of their own team too (a roll-up)."""
    parent = manager_positions(reps)
    member_of: list[np.ndarray] = []  # per level: (member, ancestor) pairs, ancestor -1 when none
    ancestor = parent.copy()
    for _ in range(len(reps) + 1):
        if not (ancestor >= 0).any():
            break
        member_of.append(ancestor.copy())
        if direct:
            break
        ancestor = np.where(ancestor >= 0, parent[np.maximum(ancestor, 0)], -1)
    else:
        raise DataError(Issue("managers form a cycle: a rep's chain of managers comes back to them",
                              source="reps", path="manager_id"))
    if include_self:
        member_of.insert(0, np.arange(len(reps)))
    owner_index = np.full(len(reps), -1)
    owner_index[roster] = np.arange(len(roster))
    members = np.concatenate([np.flatnonzero(level >= 0) for level in member_of]) if member_of else np.zeros(0, int)
    owners = (np.concatenate([owner_index[level[level >= 0]] for level in member_of])
              if member_of else np.zeros(0, int))
    keep = owners >= 0
    members, owners = members[keep], owners[keep]
    order = np.lexsort((members, owners))
    members, owners = members[order], owners[order]
    groups, starts = np.unique(owners, return_index=True)
    return Teams(len(roster), members, groups, starts)
