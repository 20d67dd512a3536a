"""Signals higher apps listen to, so programs never imports them.

Evaluation invites approved applicants to baseline surveys; matching (the waitlist) and later
the API's webhooks react to decisions too.
"""

from django.dispatch import Signal

# Sent in the transaction that records a decision, with `application=` and `status=`.
application_decided = Signal()
