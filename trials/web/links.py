"""Registry URLs as links: only http(s) URLs become an href, anything else is shown as text.

Why: a registry field that is meant to be a web address (ICTRP's `web_address`, a source's
`url`) is untrusted text. `javascript:alert(1)` rendered as `<a href>` runs script on the
trial page when clicked; `data:` and `vbscript:` do the like. Browsers strip leading
whitespace and control characters and ignore case in the scheme, so the check does too.
Every place a registry URL becomes an href goes through `http_url` (the template filter of
the same name in trials/web/filters.py, the admin's source list).
"""

from urllib.parse import urlsplit

_SCHEMES = frozenset({"http", "https"})
# What browsers strip before reading a URL's scheme (the WHATWG URL parser: C0 controls and
# space at either end, tab and newlines anywhere).
_STRIPPED = "".join(chr(code) for code in range(0x21))


def http_url(value: object) -> str | None:
    """`value` when it is an absolute http(s) URL with a host, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip(_STRIPPED)
    if any(char in text for char in "\t\r\n") or not text:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # an invalid IPv6 host, for one
        return None
    if parts.scheme.lower() not in _SCHEMES or not parts.netloc:
        return None
    return text
