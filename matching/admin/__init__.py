"""The matching admin, one module per subject; importing this package registers them all."""

from matching.admin import matches, runs, waitlist

__all__ = ["matches", "runs", "waitlist"]
