"""The engine's state: what each field of a run holds (numba-free, so displays can read it without the engine)."""

from __future__ import annotations

# What happened at a tie's last meeting this week (`last_meeting`), for displays.
NONE, AGREED, PRODUCTIVE, AVOIDED, DESTRUCTIVE = 0, 1, 2, 3, 4
