"""The exceptions readers raise (their own module, so readers can import them without cycles)."""


class ReaderError(Exception):
    """A document could not be read; the message is a one-line reason ("empty file",
    "binary content", "not a recognised trial document")."""


class NotATrialDocument(ReaderError):
    """The input is no trial document of any format the portal reads (binary content, a
    README, a MANIFEST.json). Found beside trial documents — walking a directory, inside a
    ZIP — it is skipped, not failed; named on its own it is an error like any other."""


# How many unreadable records of one document a ReaderError names (the rest are counted).
NAMED_BAD_RECORDS = 5


class BadRecords:
    """The records of a multi-record document that its reader could not make sense of (a
    value of a type the format never has: `"collaborators": [null]`, `"minimumAge": 18`): each
    is left out and the others are read; at the document's end `check()` raises one
    ReaderError naming them, as a download that breaks halfway is reported after the records
    read before the break (the importer, `normalize` and the sync say `PATH: reason`)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "study", "trial"
        self.seen = 0
        self.bad: list[str] = []

    def read(self, label: str, make, *args, **kwargs):
        """`make(*args, **kwargs)`, or None (the record noted as unreadable) when it raises
        anything but a ReaderError (a limit: the document stops) or runs out of stack or
        memory."""
        self.seen += 1
        try:
            return make(*args, **kwargs)
        except (ReaderError, RecursionError, MemoryError):
            raise
        except Exception as exc:  # one unreadable record must not end the rest
            self.bad.append(f"{self.kind} {self.seen} ({label}): {type(exc).__name__}: {exc}")
            return None

    def check(self) -> None:
        if self.bad:
            named = "; ".join(self.bad[:NAMED_BAD_RECORDS])
            more = (
                f"; and {len(self.bad) - NAMED_BAD_RECORDS} more"
                if len(self.bad) > NAMED_BAD_RECORDS
                else ""
            )
            raise ReaderError(
                f"{len(self.bad)} of {self.seen} {self.kind} records could not be read (the"
                f" others were): {named}{more}"
            )
