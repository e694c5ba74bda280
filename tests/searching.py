"""What several test modules do: search the box's words through the page's own parsing."""

from django.http import QueryDict

from trials.search.engine import search
from trials.search.params import parse


def search_text(text: str):
    """The engine's result for `q=text`, parsed as the page parses it (no notices expected)."""
    data = QueryDict(mutable=True)
    data["q"] = text
    query, errors = parse(data)
    assert not errors, errors
    return search(query)
