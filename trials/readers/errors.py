"""The exceptions readers raise (their own module, so readers can import them without cycles)."""


class ReaderError(Exception):
    """A document could not be read; the message is a one-line reason ("empty file",
    "binary content", "not a recognised trial document")."""


class NotATrialDocument(ReaderError):
    """The input is no trial document of any format the portal reads (binary content, a
    README, a MANIFEST.json). Found beside trial documents — walking a directory, inside a
    ZIP — it is skipped, not failed; named on its own it is an error like any other."""
