"""Which trials the portal keeps: those with a skin condition (`import_trials --all` keeps all)."""

from trials.loading.vocab_tables import Terms


def in_scope(record: dict, terms: Terms) -> bool:
    """A trial is in scope when one of its conditions maps to a skin term."""
    for condition in record.get("conditions") or []:
        term = terms.conditions.get(condition.get("term"))
        if term is not None and term.skin:
            return True
    return False


def skip_reason(record: dict) -> str:
    """Why an out-of-scope record is skipped, as the import's report counts it."""
    return "out of scope: no skin condition" if record.get("conditions") else "no condition"
