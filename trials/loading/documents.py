"""Raw documents: every input (a file, a ZIP member, a download's own part for one record) is
stored whole, once, whatever it contains, so that curators can re-normalize from it later."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from trials.loading.copy import copy_binary, layout, reserve_ids
from trials.models import RawDocument
from trials.readers.record import sha256_hex

DOCUMENT_LAYOUT = layout(RawDocument, "id")


def store_document(raw: bytes, name: str, fmt: str | None) -> RawDocument:
    """The stored input, stored now if it was not yet."""
    document, _ = RawDocument.objects.get_or_create(
        sha256=hashlib.sha256(raw).hexdigest(),
        defaults={"content": raw, "size": len(raw), "name": name[:500], "format": fmt or ""},
    )
    return document


@dataclass(frozen=True)
class PreparedDocument:
    """An input ready for `store_documents()` (from `prepare_document()`): picklable."""

    sha256: str
    size: int
    name: str
    format: str
    rest: bytes  # the RawDocument row after its primary key and date (DOCUMENT_LAYOUT)

    def raw(self) -> bytes:
        return DOCUMENT_LAYOUT.value(self.rest, "content")

    def document(self, pk: int, created: datetime.datetime) -> RawDocument:
        """The RawDocument stored under `pk`, its content deferred."""
        values = {"id": pk, "sha256": self.sha256, "size": self.size, "name": self.name}
        values |= {"format": self.format, "created": created}
        fields = [f.attname for f in RawDocument._meta.concrete_fields if f.attname in values]
        return RawDocument.from_db(None, fields, [values[f] for f in fields])


def prepare_document(raw: bytes, name: str, fmt: str | None) -> PreparedDocument:
    """What `store_documents()` stores for an input, computed without the database (the
    importer's reader process prepares them)."""
    values = {
        "sha256": sha256_hex(raw),  # the record's own bytes were hashed just before
        "content": raw,
        "size": len(raw),
        "name": name[:500],
        "format": fmt or "",
    }
    return PreparedDocument(
        values["sha256"],
        values["size"],
        values["name"],
        values["format"],
        DOCUMENT_LAYOUT.encode(values),
    )


def store_documents(items: list[PreparedDocument]) -> list[RawDocument]:
    """`store_document()` for a batch: one query for those already stored and one COPY for the
    rest, so that storing each record's own bytes stays cheap. The documents returned have
    their content deferred."""
    shas = [item.sha256 for item in items]
    stored = RawDocument.objects.filter(sha256__any=set(shas)).defer("content")
    found = {document.sha256: document for document in stored}
    new = {item.sha256: item for item in items if item.sha256 not in found}
    pks = reserve_ids(RawDocument, len(new))
    now = timezone.now()
    try:
        with transaction.atomic():
            heads = DOCUMENT_LAYOUT.prefixes([(pk,) for pk in pks], now)
            rests = [item.rest for item in new.values()]
            columns = DOCUMENT_LAYOUT.columns()
            copy_binary(RawDocument, columns, map(bytes.__add__, heads, rests))
    except IntegrityError:  # stored meanwhile by a concurrent import: one by one
        for item in new.values():
            found[item.sha256] = store_document(item.raw(), item.name, item.format)
    else:
        for item, pk in zip(new.values(), pks, strict=True):
            found[item.sha256] = item.document(pk, now)
    return [found[sha] for sha in shas]
