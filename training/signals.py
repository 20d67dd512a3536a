"""Signals higher apps listen to, so training never imports them.

`training_finished` is sent, in the transaction that records the completion, with
`application=` for each approved application whose last required step was just completed
(matching can offer a waitlisted mentee the place a mentor now has)."""

from django.dispatch import Signal

training_finished = Signal()
