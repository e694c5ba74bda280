"""The one exception readers raise (its own module, so readers can import it without cycles)."""


class ReaderError(Exception):
    """A document could not be read; the message is a one-line reason ("empty file",
    "binary content", "not a recognised trial document")."""
