"""The committed fixtures are exactly what `normalize` makes of the seed documents today."""

import io
import json

from django.core.management import call_command

from .conftest import ROOT, SEEDS

FIXTURE = ROOT / "fixtures" / "seeds.jsonl"


def test_committed_fixtures_match_normalize_output():
    out = io.StringIO()
    call_command("normalize", str(SEEDS), stdout=out)
    produced = [json.loads(line) for line in out.getvalue().splitlines()]
    committed = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    assert len(produced) == len(committed) == 5
    for new, old in zip(produced, committed, strict=True):
        for field in sorted(set(new) | set(old)):
            assert new.get(field) == old.get(field), (
                f"{old.get('trial_id')}: field {field!r} differs from fixtures/seeds.jsonl; "
                "regenerate: python manage.py normalize fixtures/sources > fixtures/seeds.jsonl"
            )
