"""Signals higher apps listen to, so programs never imports them.

Evaluation invites approved applicants to baseline surveys; matching (the waitlist) and later
the API's webhooks react to decisions too. When a program is copied for the next cohort, each
app copies the settings it owns (matching weights, surveys and their questions, ...).
"""

from django.dispatch import Signal

# Sent in the transaction that records a decision, with `application=` and `status=`.
application_decided = Signal()

# Sent in the transaction that saves a participant's edit of their application, with
# `application=` (as saved) and `capacity_before=` (matching offers a raised capacity to the
# waitlist).
application_updated = Signal()

# Sent inside `program_copy`'s transaction, once the program's own settings, people,
# vocabulary and questions are copied, with `source=` (the program copied) and `copy=` (the
# new draft). A receiver copies what its app keeps per program; raising undoes the whole copy.
program_copied = Signal()
