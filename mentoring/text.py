"""Text in one Unicode form (NFC), so a name typed with a combining accent ("e" + U+0301) is
the same text as one typed with "é": equal in comparisons, found by searches, unique where it
must be.

Every input path normalises on the way in (mentoring.middleware.NormalizeInputMiddleware for
requests, the roster import for CSV cells); `rows_normalize` brings stored rows in line.
"""

import logging
import unicodedata

from django.db import IntegrityError, transaction

logger = logging.getLogger(__name__)


def nfc(value: str) -> str:
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def rows_normalize(model, fields: list[str], *, batch_size: int = 500) -> int:
    """NFC-normalise `fields` of every row of `model` (a historical model in a data
    migration; JSON fields have their strings normalised), a batch of rows at a time in
    primary-key order. Returns how many rows changed. Rows already in NFC are not written; a
    row whose normalised text would break a unique constraint (two spellings of one name in
    one program) is left as it is and logged, for a person to merge."""
    rows = model._base_manager.order_by("pk").only("pk", *fields)
    changed, last = 0, None
    while batch := list((rows if last is None else rows.filter(pk__gt=last))[:batch_size]):
        last = batch[-1].pk
        for row in batch:
            values = {name: _normal(getattr(row, name)) for name in fields}
            values = {name: v for name, v in values.items() if v != getattr(row, name)}
            if values and _update(model, row.pk, values):
                changed += 1
    return changed


def _normal(value):
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [_normal(item) for item in value]
    if isinstance(value, dict):
        return {_normal(key): _normal(item) for key, item in value.items()}
    return value


def _update(model, pk, values: dict) -> bool:
    try:
        with transaction.atomic():
            model._base_manager.filter(pk=pk).update(**values)
    except IntegrityError:
        logger.warning("%s %s left as it is: its NFC text %r is taken", model.__name__, pk, values)
        return False
    return True
