"""trials.models.trial_url writes the URLs reverse() writes, faster (issue 15)."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from trials.models import trial_url

KEYS = [
    "NCT01234567",
    "EUCTR2004-000040-20-DE",
    "a.b~c_d-e",
    "unregistered-0123abcd45",
    "CTRI-2020-01-022345",
    "ID with space",
    "ünïcode",
    "percent%41",
]


@pytest.mark.parametrize("prefix", ["/", "/portal/"])
@pytest.mark.parametrize("name", ["trial_detail", "api_trial"])
def test_a_trial_url_is_what_reverse_writes(name, prefix):
    set_script_prefix(prefix)
    try:
        for key in KEYS:
            assert trial_url(name, key) == reverse(name, args=[key])
    finally:
        set_script_prefix("/")


def test_a_key_reverse_refuses_is_refused():
    with pytest.raises(NoReverseMatch):
        trial_url("trial_detail", "CTRI/2020/01")
    with pytest.raises(NoReverseMatch):
        trial_url("trial_detail", "")
