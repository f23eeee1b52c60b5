"""Errors meant for the user: their text is shown as-is (CLI line, message box)."""
from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: bad input, a refused request.  Never a traceback."""
