"""Plan insight: what a plan invites reps to do (lint), what gaming it pays (gaming) and how its
cost moves with attainment, mix and new logos (sensitivity)."""
