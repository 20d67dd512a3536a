"""Signals higher apps listen to, so programs never imports them.

Evaluation invites approved applicants to baseline surveys; matching (the waitlist) and later
the API's webhooks react to decisions too.
"""

from django.dispatch import Signal

# Sent in the transaction that records a decision, with `application=` and `status=`.
application_decided = Signal()

# Sent in the transaction that saves a participant's edit of their application, with
# `application=` (as saved) and `capacity_before=` (matching offers a raised capacity to the
# waitlist).
application_updated = Signal()
