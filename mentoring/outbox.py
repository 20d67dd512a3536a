"""What the two outboxes share: rows written in the transaction of what they tell (emails in
`notifications`, webhook deliveries in `api.webhooks`), claimed in batches by a sweep task and
handed to sender tasks.

- `sweep_after_commit(task_path)`: ask a worker to sweep right after the caller's transaction
  commits, once per transaction however many rows it wrote; the minute sweep (beat) covers a
  broker that is down.
- `claimable(model, due=..., ...)`: rows that are due, or were left sending by a worker that
  died (claimed longer ago than the claim timeout).
- `rows_claim_due(model, ...)`: claim those rows in batches, a token per batch; rows whose
  every attempt killed its worker are marked failed first, not retried forever.
- `claims_dispatch(claims, send=..., release=...)`: one sender task per claim token (a batch);
  if the broker fails part way, the rest of the rows are given back for the next sweep.
- `SWEEP_TASK_OPTIONS`: a sweep that meets a locked or lost database (SQLite's writer lock on
  the zero-service default, a dropped connection) tries again in a second or two instead of
  leaving its rows for the next minute. A sweep only claims rows in one transaction, so running
  it again is safe.
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import OperationalError, transaction
from django.db.models import Model, Q
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

SWEEP_TASK_OPTIONS = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 3}


def sweep_after_commit(task_path: str) -> None:
    """Queue the sweep task at `task_path` (dotted path, imported when it runs, so services
    need not import their tasks) after this transaction commits, at most once per transaction."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(func, "outbox_task", None) == task_path for _, func, _ in connection.run_on_commit
    ):
        return

    def sweep():
        _sweep_now(task_path)

    sweep.outbox_task = task_path
    transaction.on_commit(sweep)


def _sweep_now(task_path: str) -> None:
    try:
        import_string(task_path).delay()
    except Exception:  # the broker is down: the minute sweep will send the rows
        logger.warning("Broker unavailable; %s left for the minute sweep", task_path)


def claims_dispatch(
    claims: Iterable[tuple[int, str]],
    *,
    send: Callable[[list[list]], object],
    release: Callable[[int, str], None],
) -> int:
    """Hand claimed (id, token) pairs to `send`, one call per token; returns how many rows were
    handed over. When `send` fails (the broker), the rows not handed over are released."""
    claims = list(claims)
    by_token: dict[str, list] = {}
    for pk, token in claims:
        by_token.setdefault(token, []).append([pk, token])
    batches = list(by_token.values())
    for index, batch in enumerate(batches):
        try:
            send(batch)
        except Exception:
            rest = [claim for later in batches[index:] for claim in later]
            for pk, token in rest:
                release(pk, token)
            logger.warning("Broker unavailable; released %d claimed rows", len(rest))
            return len(claims) - len(rest)
    return len(claims)


def _left_sending(model: type[Model], claim_timeout: timedelta, now: datetime) -> Q:
    """Rows a worker claimed more than `claim_timeout` ago and never finished: it died."""
    return Q(status=model.Status.SENDING, claimed_at__lt=now - claim_timeout)


def claimable(model: type[Model], *, due: Q, claim_timeout: timedelta, now: datetime) -> Q:
    """Rows of an outbox `model` that may be claimed: `due`, or left sending by a dead worker."""
    return due | _left_sending(model, claim_timeout, now)


def rows_claim_due(
    model: type[Model],
    *,
    due: Q,
    order_by: tuple[str, ...],
    max_attempts: int,
    claim_timeout: timedelta,
    limit: int,
    batch_size: int,
    now: datetime,
) -> list[tuple[int, str]]:
    """Claim up to `limit` rows of an outbox `model` (fields status, claim_token, claimed_at,
    attempts, last_error; statuses sending and failed) that are `claimable` and have
    attempts left, in `order_by`; returns (id, token) pairs, one token per batch of
    `batch_size` rows (a sender task each). First, a row left sending whose every attempt
    killed its worker is marked failed, not retried forever.

    On PostgreSQL the candidate rows are locked with SKIP LOCKED, so two sweepers never even
    wait for each other; everywhere the conditional UPDATE is what makes a claim exclusive.
    """
    sending, failed = model.Status.SENDING, model.Status.FAILED
    model.objects.filter(
        _left_sending(model, claim_timeout, now), attempts__gte=max_attempts
    ).update(status=failed, last_error=f"The worker stopped while sending, {max_attempts} times.")
    rows = claimable(model, due=due, claim_timeout=claim_timeout, now=now)
    claims = []
    with transaction.atomic():
        ids = list(
            model.objects.select_for_update(skip_locked=True)
            .filter(rows, attempts__lt=max_attempts)
            .order_by(*order_by)
            .values_list("pk", flat=True)[:limit]
        )
        for start in range(0, len(ids), batch_size):
            token = uuid.uuid4().hex
            chunk = ids[start : start + batch_size]
            model.objects.filter(rows, pk__in=chunk).update(
                status=sending, claim_token=token, claimed_at=now
            )
            mine = model.objects.filter(pk__in=chunk, claim_token=token, status=sending)
            claims += [(pk, token) for pk in mine.order_by(*order_by).values_list("pk", flat=True)]
    return claims
