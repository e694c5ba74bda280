"""A query of several words that few trials have all of is filled (words.FILL_BELOW): those
trials first, then the trials with some of its words, and the page and the API say so. Engine
and ORM reference alike."""

import numpy as np
import pytest
from django.http import QueryDict

from tests.searching import search_text
from trials.models import Trial
from trials.search import engine, spelling, words
from trials.search.index import get_index
from trials.search.params import TrialFilterSet, parse

pytestmark = pytest.mark.django_db


def _reference_keys(text: str) -> set[str]:
    data = QueryDict(mutable=True)
    data["q"] = text
    found = TrialFilterSet(data=data, queryset=Trial.objects.all()).qs
    return set(found.values_list("key", flat=True))


def _conditions(title: str) -> list[str]:
    return ["atopic-dermatitis"] if "Eczema" in title else ["psoriasis"]


def _enough(prefix: str, title: str, condition: str) -> None:
    """words.FILL_BELOW trials about `condition`: enough that no list of it is filled."""
    for number in range(words.FILL_BELOW):
        Trial.objects.create(
            key=f"{prefix}-{number}", record={}, title=title, conditions=[condition]
        )


@pytest.fixture
def raynaud():
    """One trial with every word of the query; two about the disease its words mean, without
    "cold"; one with "cold" alone."""
    for key, title in [
        ("ALL-WORDS", "Raynaud's phenomenon: fingers turn white in the cold"),
        ("ABOUT-1", "Iloprost for Raynaud's phenomenon"),
        ("ABOUT-2", "Botulinum toxin in Raynaud phenomenon"),
        ("COLD-ONLY", "Cold exposure after knee surgery"),
    ]:
        Trial.objects.create(key=key, record={}, title=title)


def test_few_trials_with_every_word_are_listed_first_then_those_with_some(raynaud, client):
    result = search_text("fingers turn white in the cold")
    keys = [hit.key for hit in result.trials]
    # Naming a disease ("fingers turn white": Raynaud's), the relaxed form wants trials about it.
    assert keys[0] == "ALL-WORDS" and set(keys[1:]) == {"ABOUT-1", "ABOUT-2"}
    assert (result.count, result.all_words, result.relaxed) == (3, 1, False)
    assert _reference_keys("fingers turn white in the cold") == set(keys)
    html = client.get("/", {"q": "fingers turn white in the cold"}).content.decode()
    assert "1 trial matches all of “fingers turn white in the cold” and is listed first" in html
    body = client.get("/api/trials/", {"q": "fingers turn white in the cold"}).json()
    assert (body["count"], body["all_words"]) == (3, 1)
    assert body["results"][0]["key"] == "ALL-WORDS"


def test_a_query_enough_trials_have_all_of_is_not_filled(raynaud):
    for number in range(words.FILL_BELOW):
        Trial.objects.create(key=f"MORE-{number}", record={}, title="Raynaud's in the cold")
    result = search_text("raynaud cold")
    assert result.all_words is None
    assert {hit.key for hit in result.trials} == {"ALL-WORDS", *(f"MORE-{n}" for n in range(10))}
    assert _reference_keys("raynaud cold") == {hit.key for hit in result.trials}


def test_one_word_and_web_search_syntax_are_never_filled(raynaud):
    for typed in ("iloprost", '"fingers turn white" cold'):
        assert search_text(typed).all_words is None


def test_a_registry_ids_trial_is_never_filled(raynaud):
    # A seed trial's ID with its prefix apart; the prefix is a word of another trial.
    Trial.objects.create(key="OTHER", record={}, title="Psoriasis (its NCT number to come)")
    result = search_text("NCT 04946669")
    assert result.all_words is None
    assert [hit.trial.trial_id for hit in result.trials] == ["NCT04946669"]


def test_a_respelt_query_is_filled_as_its_right_spelling_is(raynaud):
    # "raynaud ilopost": no trial has "ilopost"; respelt "iloprost", one trial has every word
    # and the others about Raynaud's follow, as for the query spelt right.
    right = search_text("raynaud iloprost")
    respelt = search_text("raynaud ilopost")
    assert respelt.corrected_from == "raynaud ilopost"
    assert respelt.corrected_to == "raynaud iloprost"
    assert [hit.key for hit in respelt.trials] == [hit.key for hit in right.trials]
    assert respelt.all_words == right.all_words == 1
    assert respelt.trials[0].key == "ABOUT-1"


def test_diseases_named_apart_are_filled_with_those_about_either():
    """ "cutaneous vasculitis in SLE": the trial about both first, then those about either
    disease; a disease's name alone ("lupus nephritis") is never filled with its words'."""
    for key, title in [
        ("BOTH", "Cutaneous vasculitis in systemic lupus erythematosus"),
        ("SLE-1", "Belimumab in systemic lupus erythematosus"),
        ("SLE-2", "Anifrolumab for SLE"),
        ("VASC", "Rituximab for cutaneous vasculitis"),
        ("NEPHRITIS", "Nephritis after streptococcal infection"),
    ]:
        Trial.objects.create(key=key, record={}, title=title)
    result = search_text("cutaneous vasculitis in SLE")
    keys = [hit.key for hit in result.trials if not hit.trial.trial_id]  # not the seeds'
    assert keys[0] == "BOTH" and set(keys[1:]) == {"SLE-1", "SLE-2", "VASC"}
    assert result.all_words == 1 and not result.relaxed
    assert search_text("lupus nephritis").all_words is None
    assert words.fills("cutaneous vasculitis in SLE") and not words.fills("lupus nephritis")


def test_a_drug_few_trials_test_is_filled_with_its_class(client):
    """ "infliximab": its trial first, then those of the other TNF inhibitors (their class,
    words.same_class); not "biologics" (too broad a class), and not a drug among other words."""
    for key, title, drugs, classes in [
        ("INFLIXIMAB", "Infliximab in sarcoidosis", ["infliximab"], ["tnf-inhibitors"]),
        ("ADALIMUMAB", "Adalimumab in uveitis", ["adalimumab"], ["tnf-inhibitors"]),
        ("DUPILUMAB", "Dupilumab in eczema", ["dupilumab"], ["il-4-il-13-inhibitors"]),
        ("ETANERCEPT", "Etanercept in uveitis", ["etanercept"], ["tnf-inhibitors"]),
    ]:
        # The etanercept trial turns away those treated with Remicade (infliximab): not one
        # for them (nor one the exclusion-only check would flag).
        criteria = {"exclusion": ["Prior Remicade"]} if key == "ETANERCEPT" else {}
        Trial.objects.create(
            key=key,
            record={"criteria": criteria},
            title=title,
            drugs=drugs,
            drug_classes=[*classes, "biologics"],
        )
    result = search_text("infliximab")
    keys = [hit.key for hit in result.trials]
    assert keys == ["INFLIXIMAB", "ADALIMUMAB"]
    assert (result.class_first, result.same_class) == (1, "TNF inhibitors")
    assert _reference_keys("infliximab") == set(keys)
    html = client.get("/", {"q": "infliximab"}).content.decode()
    assert "1 trial matches “infliximab” and is listed first" in html
    assert "after it, trials of other TNF inhibitors" in html
    body = client.get("/api/trials/", {"q": "infliximab"}).json()
    assert (body["class_first"], body["same_class"], body["count"]) == (1, "TNF inhibitors", 2)
    assert search_text("infliximab sarcoidosis").class_first is None
    assert words.same_class("biologics") is None and words.same_class("infliximab or x") is None
    # No trial tests the drug ("golimumab trials"): those of the other drugs of its class,
    # said so; the page, the API and the reference alike.
    result = search_text("golimumab trials")
    assert [hit.key for hit in result.trials] == ["INFLIXIMAB", "ADALIMUMAB", "ETANERCEPT"]
    assert (result.broader_from, result.broader_to) == ("golimumab", "TNF inhibitors")
    assert _reference_keys("golimumab trials") == set(keys) | {"ETANERCEPT"}
    html = client.get("/", {"q": "golimumab trials"}).content.decode()
    assert "No trial tests “golimumab”: showing trials of other <strong>TNF inhibitors" in html
    body = client.get("/api/trials/", {"q": "golimumab"}).json()
    assert body["broader"] == {"from": "golimumab", "to": "TNF inhibitors"}


def test_a_skin_disease_few_trials_match_is_filled_with_those_open_to_any(client):
    """ "bullous pemphigoid": its trial first, then those open to skin diseases in general
    (words.skin_in_general); not a disease of another kind, nor one enough trials match."""
    for key, title, conditions in [
        ("BP", "Dapsone in bullous pemphigoid", ["bullous-pemphigoid"]),
        ("DERM", "Evaluation and Treatment of Patients With Dermatologic Diseases", []),
        ("NEPHRITIS", "Voclosporin in lupus nephritis", ["lupus-nephritis"]),
        ("DERM-BUT", "Skin samples from patients with dermatologic diseases", []),
    ]:
        # The second study open to any skin disease turns away those with pemphigoid.
        criteria = {"exclusion": ["Pemphigoid of any kind"]} if key == "DERM-BUT" else {}
        Trial.objects.create(
            key=key, record={"criteria": criteria}, title=title, conditions=conditions
        )
    for typed in ("bullous pemphigoid", "my dad has bullous pemphigoid, any research?"):
        result = search_text(typed)
        keys = [hit.key for hit in result.trials]
        assert keys == ["BP", "DERM"] and result.general_first == 1, typed
        assert _reference_keys(typed) == set(keys), typed
    html = client.get("/", {"q": "bullous pemphigoid"}).content.decode()
    assert "1 trial matches “bullous pemphigoid” and is listed first" in html
    assert "after it, trials open to skin diseases in general" in html
    body = client.get("/api/trials/", {"q": "bullous pemphigoid"}).json()
    assert (body["general_first"], body["count"]) == (1, 2)
    result = search_text("lupus nephritis")
    assert [hit.key for hit in result.trials] == ["NEPHRITIS"] and result.general_first is None
    # A disease of children: not the trials open to any skin disease that take no child.
    Trial.objects.create(key="JDM", record={}, title="JDM study", conditions=["dermatomyositis"])
    Trial.objects.filter(key="DERM").update(min_age=18)
    result = search_text("juvenile dermatomyositis")
    assert "DERM" not in {hit.key for hit in result.trials}
    assert "DERM" not in _reference_keys("juvenile dermatomyositis")
    assert "DERM" in {hit.key for hit in search_text("bullous pemphigoid").trials}
    _enough("BP", "Bullous pemphigoid", "bullous-pemphigoid")
    result = search_text("bullous pemphigoid")
    assert "DERM" not in {hit.key for hit in result.trials} and result.general_first is None
    assert "DERM" not in _reference_keys("bullous pemphigoid")


def test_a_drug_whose_class_has_too_many_other_trials_is_not_filled(monkeypatch):
    for key, drugs in [("INFLIXIMAB", ["infliximab"]), ("ADALIMUMAB", ["adalimumab"])]:
        Trial.objects.create(
            key=key, record={}, title=f"{key.title()} study", drugs=drugs,
            drug_classes=["tnf-inhibitors"],
        )  # fmt: skip
    monkeypatch.setattr(words, "SAME_CLASS_TRIALS_MAX", 0)
    result = search_text("infliximab")
    assert [hit.key for hit in result.trials] == ["INFLIXIMAB"] and result.class_first is None
    assert _reference_keys("infliximab") == {"INFLIXIMAB"}


def test_a_sentence_few_trials_about_its_skin_disease_suit_is_filled_with_those_open_to_any(client):
    """ "my dad is 68 and his eczema …": no trial has every word; of the ten eczema trials one
    takes a man of 68. After it, the trial open to any skin disease, then the others with
    some of the words (one untagged); the page, the API and the reference alike.
    With the trials about his disease's kin enough ("lupus rash": systemic lupus's), none."""
    for key, title, conditions, max_age in [
        ("AD-ADULT", "Eczema in adults", ["atopic-dermatitis"], None),
        *((f"AD-CHILD-{n}", "Eczema in children", ["atopic-dermatitis"], 12) for n in range(9)),
        ("UNTAGGED", "Eczema: sleep and itch in eczema", [], None),
        ("DERM", "Evaluation and Treatment of Patients With Dermatologic Diseases", [], None),
    ]:
        Trial.objects.create(
            key=key, record={}, title=title, conditions=conditions, max_age=max_age
        )
    typed = "my dad is 68 and his eczema is bad, red itchy patches on his arms and back. any trial?"
    result = search_text(typed)
    assert [hit.key for hit in result.trials] == ["AD-ADULT", "DERM", "UNTAGGED"]
    assert result.relaxed and result.general_first == 1
    assert _reference_keys(typed) == {"AD-ADULT", "DERM", "UNTAGGED"}
    html = client.get("/", {"q": typed}).content.decode()
    assert "1 trial about the diseases it names is listed first" in html
    assert "after it, trials open to skin diseases in general, then any others" in html
    assert client.get("/api/trials/", {"q": typed}).json()["general_first"] == 1
    _enough("SLE", "Systemic lupus erythematosus", "systemic-lupus-erythematosus")
    Trial.objects.create(
        key="CLE", record={}, title="Lupus rash", conditions=["cutaneous-lupus-erythematosus"]
    )
    typed = "my lupus rash keeps coming back"
    result = search_text(typed)
    assert result.relaxed and result.general_first is None
    assert "DERM" not in {hit.key for hit in result.trials}
    assert "DERM" not in _reference_keys(typed)


def test_a_childs_sentence_few_trials_take_is_filled_with_the_diseases_other_trials(db):
    """ "im 15 and the skin inside my elbows …" (session 54): no trial has every word, one
    eczema trial takes a 15-year-old. After it, the adults' eczema trials (an adult's age is
    kept: the test above); the engine and the reference alike."""
    for key, title, min_age in [
        ("AD-TEEN", "Eczema from age 12", 12),
        *((f"AD-ADULT-{n}", "Eczema in adults", 18) for n in range(3)),
        ("PSO-TEEN", "Psoriasis from age 12", 12),
    ]:
        Trial.objects.create(
            key=key, record={}, title=title, conditions=_conditions(title), min_age=min_age
        )
    typed = "im 15 and my eczema is red, dry and cracked inside my elbows, any study?"
    result = search_text(typed)
    keys = [hit.key for hit in result.trials]
    assert result.relaxed and keys[0] == "AD-TEEN"
    assert set(keys[1:4]) == {f"AD-ADULT-{n}" for n in range(3)}
    assert _reference_keys(typed) >= set(keys[:4])


def test_a_relaxed_list_leaves_out_the_untagged_trials_turning_away_whom_it_names(db):
    """ "psoriatic arthritis or ankylosing spondylitis knee trials": no trial has every word,
    and the list is relaxed to those having some; a rheumatoid arthritis trial has "knee" and
    turns away both: not listed (the engine and the reference); another without such criteria
    is, as is a tagged one that turns one away."""
    for key, title, conditions, exclusion in [
        ("PSA", "Psoriatic arthritis study", ["psoriatic-arthritis"], ["Ankylosing spondylitis"]),
        (
            "RA-AWAY",
            "Arthritis of the knee: rheumatoid arthritis",
            ["rheumatoid-arthritis"],
            ["Psoriatic arthritis"],
        ),
        ("RA", "Rheumatoid arthritis of the knee", ["rheumatoid-arthritis"], []),
    ]:
        Trial.objects.create(
            key=key,
            record={"criteria": {"exclusion": exclusion}},
            title=title,
            conditions=conditions,
        )
    typed = "psoriatic arthritis or ankylosing spondylitis knee trials"
    result = search_text(typed)
    assert {hit.key for hit in result.trials} == {"PSA", "RA"}
    assert _reference_keys(typed) == {"PSA", "RA"}
    assert "RA-AWAY" in {hit.key for hit in search_text("arthritis or gout").trials}


def test_a_relaxed_list_orders_last_the_untagged_trials_turning_away_whom_it_names(db):
    """What stays of a relaxed list (fulltext._welcoming_rows leaves out only a few such
    trials, and none listed as about the diseases) lists the trials not about the disease
    named whose exclusion criteria name it after the others (engine._excluding_named_last)."""
    for key, conditions, exclusion in [
        ("PSA", ["psoriatic-arthritis"], []),
        ("RA-AWAY", ["rheumatoid-arthritis"], ["Psoriatic arthritis"]),
        ("RA", ["rheumatoid-arthritis"], []),
    ]:
        Trial.objects.create(
            key=key,
            record={"criteria": {"exclusion": exclusion}},
            title=f"Monthly infusion {key}",
            conditions=conditions,
        )
    query, _ = parse(QueryDict("q=psoriatic+arthritis+monthly+infusion"))
    index = get_index()
    everything = np.zeros(index.row_count, bool)
    mine = Trial.objects.filter(key__in=["PSA", "RA-AWAY", "RA"]).values_list("pk", flat=True)
    everything[index.rows_of(np.asarray(list(mine), np.int64))] = True
    tiers = engine._excluding_named_last(index, query, everything, [everything])
    keys = [{index_key(index, row) for row in np.flatnonzero(tier)} for tier in tiers]
    assert keys == [{"PSA", "RA"}, {"RA-AWAY"}]
    # No disease named: nothing moves.
    query, _ = parse(QueryDict("q=monthly+infusion"))
    assert engine._excluding_named_last(index, query, everything, [everything]) == [everything]


def test_a_relaxed_list_orders_last_the_trials_excluding_the_class_it_asks_for(db):
    """ "TTR silencer … after liver transplant": a stabilizer's trial whose exclusion criteria
    name patisiran comes after the trials testing a silencer and those that do not name one
    (engine._excluding_named_last); a drug named alone may be one the person took: no move."""
    for key, drugs, exclusion in [
        ("SILENCER", ["patisiran"], []),
        ("STABILIZER", ["acoramidis"], ["Current treatment with patisiran or inotersen"]),
        ("OTHER", ["diflunisal"], []),
    ]:
        Trial.objects.create(
            key=key,
            record={"criteria": {"exclusion": exclusion}},
            title=f"Amyloidosis after liver transplant {key}",
            drugs=drugs,
        )
    index = get_index()
    everything = np.zeros(index.row_count, bool)
    mine = Trial.objects.filter(key__in=["SILENCER", "STABILIZER", "OTHER"])
    everything[index.rows_of(np.asarray(list(mine.values_list("pk", flat=True)), np.int64))] = 1
    query, _ = parse(QueryDict("q=TTR+silencer+after+liver+transplant"))
    tiers = engine._excluding_named_last(index, query, everything, [everything])
    keys = [{index_key(index, row) for row in np.flatnonzero(tier)} for tier in tiers]
    assert keys == [{"SILENCER", "OTHER"}, {"STABILIZER"}]
    query, _ = parse(QueryDict("q=patisiran+after+liver+transplant"))
    assert engine._excluding_named_last(index, query, everything, [everything]) == [everything]


def index_key(index, row) -> str:
    return Trial.objects.get(pk=int(index.pks[row])).key


def test_a_disease_no_trial_is_about_misspelt_in_a_sentence_finds_what_it_spelt_right_does():
    """ "granuloma anulare on the backs of my hands, rings of little bumps" (as German spells
    it): nothing at all was listed, the words as typed finding no trial and the respelling
    read as no disease's; spelt right it lists the trial open to any skin disease. Not an
    abbreviation's plural respelt into another ("BCCs": not BCNS, basal cell nevus
    syndrome)."""
    Trial.objects.create(
        key="DERM",
        record={},
        title="Evaluation and Treatment of Patients With Dermatologic Diseases",
    )
    typed = "granuloma anulare on the backs of my hands, rings of little bumps"
    result = search_text(typed)
    assert [hit.key for hit in result.trials] == ["DERM"]
    assert result.corrected_from == typed
    assert result.corrected_to.startswith("granuloma annulare on the backs")
    assert spelling.corrections("gorlin syndrome, new BCCs every few months") == {}
    assert spelling.corrections("gorlin syndrome, new bccs every few months") != {}


def test_a_relaxed_sentence_s_trials_about_other_diseases_come_after_those_open_to_any(client):
    """ "cutaneous t cell lymphoma … patches on my hips": no trial has every word; a lung
    cancer trial names the disease beside another (anaplastic lymphoma kinase) and is tagged
    with the other alone: after the trial open to any skin disease, and the page says that
    none is about the diseases named. A trial tagged with it comes before both."""
    for key, title, conditions in [
        (
            "ALK",
            "Anaplastic lymphoma kinase in lung cancer and in cutaneous T-cell lymphoma",
            ["non-small-cell-lung-cancer"],
        ),
        ("DERM", "Evaluation and Treatment of Patients With Dermatologic Diseases", []),
    ]:
        Trial.objects.create(key=key, record={}, title=title, conditions=conditions)
    typed = "cutaneous t cell lymphoma patches on my hips"
    result = search_text(typed)
    assert [hit.key for hit in result.trials] == ["DERM", "ALK"]
    assert result.relaxed and result.general_first == 0
    html = client.get("/", {"q": typed}).content.decode()
    assert "No trial with some of these words is about the diseases it names: trials open" in html
    assert "0 trial" not in html
    Trial.objects.create(
        key="CTCL",
        record={},
        title="Photopheresis for cutaneous T-cell lymphoma",
        conditions=["cutaneous-t-cell-lymphoma"],
    )
    result = search_text(typed)
    assert [hit.key for hit in result.trials] == ["CTCL", "DERM", "ALK"]
    assert result.relaxed and result.general_first == 1
