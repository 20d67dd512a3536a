"""Signals other apps listen to (evaluation invites after-session surveys and refreshes risk)."""

from django.dispatch import Signal

# Sent in the transaction that saves a SessionLog, with `log=`.
session_logged = Signal()
