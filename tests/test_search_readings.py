"""Words read as filters (issue 14, point 2): child words become the paediatric age filter,
"not responding to X" and its kin the refractory filter with X as failed prior therapy; each
reading is a chip that can be removed, the API reports it, and the ORM reference agrees.

`prior_therapy` is another branch's facet (a MULTI column of drug and class slugs). Until it is
merged these tests declare a stand-in of the same name over the `drugs` column (as
test_facet_declaration.py declares its own); once the real one exists they use it unchanged.
"""

import datetime

import pytest
from django.http import QueryDict

from trials.models import Sex, Trial, unconfirmed_before
from trials.search import cache, engine, facets, readings, words
from trials.search.engine import matching, search
from trials.search.facets import Facet, Kind
from trials.search.params import TrialFilterSet, parse, understand

STAND_IN = Facet(
    "prior_therapy", "Failed prior therapy", Kind.MULTI, "drugs", accepts=lambda slug: True
)


@pytest.fixture
def prior_therapy(monkeypatch):
    if facets.get("prior_therapy") is None:
        monkeypatch.setattr(facets, "FACETS", (*facets.FACETS, STAND_IN))


def _read(text: str) -> list[tuple[str, str]]:
    return [(reading.parameter, reading.value) for reading in readings.read(text)]


def _rest(text: str) -> str:
    return readings.without(text, [span for r in readings.read(text) for span in r.spans])


CHILD = [("age_group", "child")]
# A failed drug is also a failed member of its classes; a refractory trial naming no treatment
# admits whom any failed.
UNNAMED = ("prior_therapy", "unspecified")
FAILED_MTX_ONLY = [
    ("refractory", "1"),
    ("prior_therapy", "methotrexate"),
    ("prior_therapy", "immunosuppressants"),
]
FAILED_MTX = [*FAILED_MTX_ONLY, UNNAMED]


# --- reading the words (no database) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        ("trial for my daughter with eczema", [*CHILD, ("sex", "female")], "trial for with eczema"),
        ("psoriasis in kids", CHILD, "psoriasis in"),
        ("eczema daughter", CHILD, "eczema"),
        ("my son has vitiligo", [*CHILD, ("sex", "male")], "has vitiligo"),
        ("Baby with eczema", CHILD, "with eczema"),
        ("teenagers acne", CHILD, "acne"),
        ("kids and teens with psoriasis", CHILD, "with psoriasis"),
        ("dermatomyositis not responding to methotrexate", FAILED_MTX, "dermatomyositis"),
        ("dermatomyositis failed methotrexate", FAILED_MTX, "dermatomyositis"),
        ("methotrexate-resistant dermatomyositis", FAILED_MTX, "dermatomyositis"),
        ("methotrexate failure dermatomyositis", FAILED_MTX, "dermatomyositis"),
        ("dermatomyositis, methotrexate didn't work", FAILED_MTX, "dermatomyositis,"),
        ("dermatomyositis refractory to methotrexate", FAILED_MTX, "dermatomyositis"),
        ("dermatomyositis resistant to methotrexate", FAILED_MTX, "dermatomyositis"),
        ("dermatomyositis despite methotrexate", FAILED_MTX, "dermatomyositis"),
        ("dermatomyositis didnt respond to methotrexate", FAILED_MTX, "dermatomyositis"),
        ("dermatomyositis hasnt responded to methotrexate", FAILED_MTX, "dermatomyositis"),
        ("dermatomyositis flaring even on methotrexate", FAILED_MTX, "dermatomyositis flaring"),
        ("dermatomyositis even with methotrexate", FAILED_MTX, "dermatomyositis"),
        # clinicians' shorthand: an inadequate responder
        # steroid dependence: the steroid failed to be tapered
        ("dermatomyositis methotrexate-dependent", FAILED_MTX, "dermatomyositis"),
        ("insulin dependent diabetes", [], "insulin dependent diabetes"),  # no drug named
        # a list of what failed ends at a dash: what follows is what is wanted
        (
            "dermatomyositis failed methotrexate - abatacept trial?",
            FAILED_MTX,
            "dermatomyositis abatacept trial?",
        ),
        ("dermatomyositis MTX-IR", FAILED_MTX, "dermatomyositis"),
        ("dermatomyositis methotrexate inadequate responders", FAILED_MTX, "dermatomyositis"),
        ("dermatomyositis methotrexate non-responders", FAILED_MTX, "dermatomyositis"),
        # people's ways of saying it, apostrophes or not, a verb between
        ("dermatomyositis, methotrexate doesnt help", FAILED_MTX, "dermatomyositis,"),
        ("methotrexate is not working for dermatomyositis", FAILED_MTX, "for dermatomyositis"),
        ("dermatomyositis, methotrexate arent working", FAILED_MTX, "dermatomyositis,"),
        # a pregnant woman's baby is not whom she searches for
        (
            "pregnant with lupus, worried about the baby",
            [],
            "pregnant with lupus, worried about the baby",
        ),
        ("dermatomyositis no improvement with methotrexate", FAILED_MTX, "dermatomyositis"),
        ("methotrexate has not helped my dermatomyositis", FAILED_MTX, "my dermatomyositis"),
        ("eczema, creams don't help", [("refractory", "1")], "eczema,"),
        # every treatment failed, none named
        (
            "hives every day for months nothing works",
            [("refractory", "1")],
            "hives every day for months",
        ),
        ("psoriasis, tried everything", [("refractory", "1")], "psoriasis,"),
        ("my psoriasis pills are not effective", [("refractory", "1")], "my psoriasis"),
        (
            "eczema, steroid creams didnt help",
            [("refractory", "1"), ("prior_therapy", "corticosteroids"), UNNAMED],
            "eczema,",
        ),
        ("I tried methotrexate for lupus", [], "I tried methotrexate for lupus"),
        (
            "psoriasis failed two biologics",
            [("refractory", "1"), ("prior_therapy", "biologics"), UNNAMED],
            "psoriasis",
        ),
        (
            "steroid-resistant pemphigus",
            [("refractory", "1"), ("prior_therapy", "corticosteroids"), UNNAMED],
            "pemphigus",
        ),
        (
            "alopecia JAK inhibitor failure",
            [("refractory", "1"), ("prior_therapy", "jak-inhibitors"), UNNAMED],
            "alopecia",
        ),
        (
            "failed methotrexate and azathioprine",
            [*FAILED_MTX_ONLY, ("prior_therapy", "azathioprine"), UNNAMED],
            "",
        ),
        # a word that may stand between, but starts the treatment's name
        (
            "atopic dermatitis not controlled with topical steroids",
            [("refractory", "1"), ("prior_therapy", "corticosteroids"), UNNAMED],
            "atopic dermatitis",
        ),
        (
            "psoriasis failed IL-13 inhibitor",
            [("refractory", "1"), ("prior_therapy", "il-4-il-13-inhibitors"), UNNAMED],
            "psoriasis",
        ),
        ("treatment-resistant psoriasis", [("refractory", "1")], "psoriasis"),
        ("psoriasis not responding to treatment", [("refractory", "1")], "psoriasis"),
        ("psoriasis not responding", [("refractory", "1")], "psoriasis"),
        # X no vocabulary knows: refractory only, and X stays a search word.
        ("lupus resistant to sunscreen", [("refractory", "1")], "lupus sunscreen"),
        ("failed zorblimab", [("refractory", "1")], "zorblimab"),
        (
            "my son has eczema, dupilumab not working",
            [
                *CHILD,
                ("refractory", "1"),
                ("prior_therapy", "dupilumab"),
                ("prior_therapy", "biologics"),
                ("prior_therapy", "il-4-il-13-inhibitors"),
                ("prior_therapy", "interleukin-inhibitors"),
                UNNAMED,
                ("sex", "male"),
            ],
            "has eczema,",
        ),
    ],
)
def test_phrasings_are_read_as_filters(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


def test_or_is_read_as_words_beside_places_and_statuses():
    """ "or" (websearch syntax outside a person's sentence) keeps the places and statuses it is
    said with; the "or" that joined a word taken goes with it."""
    assert _read("psoriasis or eczema in Seoul") == [("near", "Seoul")]
    assert _rest("psoriasis or eczema in Seoul") == "psoriasis or eczema"
    assert _rest("completed or terminated lupus trials") == "lupus trials"
    assert readings.without("lupus or X", [(9, 10)]) == "lupus"
    # A reading between two "or": one "or" is left, between the words either side.
    assert _rest("psoriasis or phase 3 or eczema") == "psoriasis or eczema"
    # An "or" between two words taken goes with them: no choice between the words beside.
    assert _rest("biologics for children or teens with skin disease") == (
        "biologics for with skin disease"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "methotrexate",  # a drug search, not a failure
        "nothing",
        "methotrexate works",
        "eczema since i was a kid",  # the person's past, not whom the trial is for
        "psoriasis as a child",
        "acne since childhood",
        "eczema when I was a teenager",
        "dermatitis atópica severa desde niño",  # the same in other languages
        "eczema desde que era niña",
        "psoriasi da bambino",
        "eczéma depuis tout petit",
        "Neurodermitis seit ich ein Kind war",
        "failed",
        "failure",
        "resistant",
        "refractory lupus",  # the word itself is searched (as before)
        "heart failure",
        "insulin resistance",
        "water resistant sunscreen",
        "personal sonography",  # "son" only as a whole word
        "season reason Sonja mason",
        "kidney childhood",
        "juvenile dermatomyositis",
        '"daughter" eczema',  # web-search syntax is taken as typed
        "eczema -kids",
        "lupus or failed methotrexate",  # with "or", no failure is read
        "women of childbearing potential must use contraception",  # criteria, not women
        "some kind of spondylitis",  # German "Kind" is no child word: English "kind"
        "",
    ],
)
def test_other_words_are_not_read(typed):
    assert readings.read(typed) == ()


@pytest.mark.parametrize(
    "typed",
    [
        "failed " * 100,
        "daughter " * 62,
        "not responding to " * 30,
        "x" * 10_000,
        "failed" + "-" * 400 + "methotrexate",
        "didn't didn't work work 't",
        "红斑狼疮 daughter ½ ² İstanbul failed",
        "\x00\u202e son \ufeff failed",
        "phase " * 80 + "3",
        "phase 1 and " * 40,
        "in " * 120 + "Germany",
        "women men adults elderly " * 20,
        "now recruiting " * 30,
        "Papua New Guinea " * 25,
    ],
)
def test_hostile_input_is_read_quickly_and_safely(typed):
    found = readings.read(typed)
    for reading in found:
        assert all(0 <= start < end <= len(typed) for start, end in reading.spans)
    readings.without(typed, [span for reading in found for span in reading.spans])


def test_long_text_is_not_read():
    assert readings.read("eczema daughter " + "x" * readings.max_length()) == ()


def test_one_reading_per_filter_however_often_it_is_said():
    (child,) = readings.read("kids, son and daughter")
    assert child.said == "kids, son, daughter"
    assert len(child.spans) == 3


# --- applying them (the parameters) -------------------------------------------------------------


def _params(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in values.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


@pytest.mark.django_db
def test_a_reading_sets_its_parameter_and_leaves_the_search_words():
    query, errors = parse(_params(q="trial for my daughter with eczema"))
    assert not errors
    assert query.facets["age_group"] == ["child"]
    assert query.q == "trial for with eczema"
    assert query.typed == "trial for my daughter with eczema"
    assert [(r.parameter, r.value, r.said) for r in query.understood] == [
        ("age_group", "child", "daughter"),
        ("sex", "female", "my daughter"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "left"),
    [
        ("I've had rheumatoid arthritis for about 12 years", "I've had rheumatoid arthritis"),
        ("psoriasis for the last 5 years", "psoriasis"),
        ("lupus diagnosed 3 years ago", "lupus diagnosed"),
        ("eczema for 6 months now", "eczema"),
        ("eczema since 2019", "eczema"),
        ("eczema since age 8", "eczema"),
        ("I've had psoriasis for years", "I've had psoriasis"),
        ("lupus for a year and a half", "lupus"),
        ("Ich habe seit 20 Jahren Schuppenflechte", "Ich habe Schuppenflechte"),
        ("desde hace 8 años tengo psoriasis", "tengo psoriasis"),
        ("psoríase há 10 anos", "psoríase"),
        ("depuis un an j'ai de l'eczéma", "j'ai de l'eczéma"),
    ],
)
def test_how_long_is_no_search_word(typed, left):
    """How long or since when the person has had it (readings.asides): out of the words,
    nothing set; the box still shows what was typed."""
    query, errors = parse(_params(q=typed))
    assert not errors and not query.understood
    assert query.q == left
    assert query.typed == typed


@pytest.mark.parametrize(
    "typed",
    [
        "12-week open-label extension psoriasis",  # a design, no time past
        "psoriasis 2 years",
        "trials for 12 year olds with eczema",  # an age
        "mio figlio ha 8 anni",  # Italian: an age
        '"for 12 years" lupus',  # searched as typed
    ],
)
def test_numbers_that_say_no_time_past_stay(typed):
    assert [typed[start:end] for start, end in readings.asides(typed)] == []


def test_a_disease_named_with_a_child_word_is_no_child():
    """ "moon children" (xeroderma pigmentosum), "butterfly skin" babies: a disease's name,
    not whom the trial is for; "juvenile dermatomyositis" and "my daughter" still are."""
    assert ("age_group", "child") not in _read("my nephew is one of the moon children")
    assert ("age_group", "child") not in _read("butterfly children trials")
    assert ("age_group", "child") in _read("juvenile dermatomyositis trials for my daughter")
    assert words.named_conditions("moon children") == ("xeroderma-pigmentosum",)


def test_a_mother_who_had_her_baby_is_no_child():
    """ "had my baby 3 months ago": the searcher gave birth (lay_terms.json: postpartum);
    "my baby has eczema" is a child's search."""
    for typed in ("had my baby 3 months ago, RA flaring", "RA flare since my baby was born"):
        assert ("age_group", "child") not in _read(typed), typed
        assert "postpartum" in words.read(typed, True).text, typed
    assert ("age_group", "child") in _read("my baby has eczema")
    # … nor one who had her daughter (a mother's stretch marks)
    assert ("age_group", "child") not in _read("im 27 and had my daughter a year ago")
    assert ("age_group", "child") not in _read("stretch marks since having our son")
    assert ("age_group", "child") in _read("my son was born with eczema")


def test_even_after_something_that_is_no_treatment_is_no_failure():
    """ "im exhausted even after 9 hours in bed": no refractory filter; "even on methotrexate"
    is one."""
    assert not [r for r in _read("im exhausted even after 9 hours in bed") if r[0] == "refractory"]
    assert ("refractory", "1") in _read("lupus flaring even on methotrexate")


def test_a_child_word_naming_a_thing_is_no_child():
    """ "now on baby aspirin and a statin": a drug, not a child's search."""
    for typed in ("scleroderma, had a heart attack, now on baby aspirin", "eczema from baby oil"):
        assert ("age_group", "child") not in _read(typed), typed
    # … nor one naming a time ("since I was a child", in Japanese)
    since = words.spaced("40代の男性です。子どもの頃からアトピー性皮膚炎で")
    assert ("age_group", "child") not in _read(since)
    assert ("age_group", "child") in _read(words.spaced("子どもがアトピー性皮膚炎です"))


@pytest.mark.parametrize(
    "typed",
    [
        "ma fille a 24 ans et elle a un lupus",
        "my daughter is 24 and has lupus",
        "mi hija tiene 19 años y psoriasis",
        "my 24 year old son has HS",
        "24yo son with eczema",
        "my son just turned 18, lupus",
    ],
)
def test_a_son_or_daughter_of_an_adults_age_is_no_child(typed):
    """The age said of a word for a child is an adult's: no paediatric filter (the age filter,
    where read, says whom the trials must take)."""
    assert ("age_group", "child") not in _read(typed)


@pytest.mark.parametrize(
    "typed",
    ["my 8 year old daughter has eczema", "my baby is 20 months old", "my son is 17, psoriasis"],
)
def test_a_son_or_daughter_of_a_childs_age_is_a_child(typed):
    found = _read(typed)
    assert ("age_group", "child") in found or any(p == "age" and float(v) < 18 for p, v in found)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("genodermatoses", "xeroderma"),  # a group of the inherited skin diseases
        ("inherited skin disorders in kids", "epidermolysis"),
        ("OLE for SLE", "extension"),
        ("rollover study psoriasis", "extension"),
        ("patients who completed a parent trial", "prior"),
        # what taking part means, in people's words (session 39)
        ("i have MS and money is tight, any studies that pay you for your time?", "compensation"),
        ("sjogrens, any study with video visits instead of driving in", "telehealth"),
        ("herniated disc in my neck, pain down my arm", "cervical"),
    ],
)
def test_study_designs_and_disease_groups_said_in_other_words(typed, meant):
    assert meant in words.read(typed, True).text


@pytest.mark.parametrize(
    "typed",
    [
        "CAPS studies recruiting right now",
        "hidradenitis, is any trial open right now",
        # session 53
        "lupus rash, I want to sign up for a study now, is anything open?",
        "support program for parents that's still taking families",
    ],
)
def test_right_now_says_recruiting(typed):
    found = readings.read(typed)
    assert [(r.parameter, r.value) for r in found] == [("recruiting", "1")]
    assert "right" not in readings.without(typed, [span for r in found for span in r.spans])


def test_a_treatment_that_works_is_no_failure():
    assert _read("methotrexate worked great for my psoriasis") == []


def test_a_failing_organ_is_no_failed_treatment():
    assert _read("lupus con fallo renal") == []  # kidney failure


@pytest.mark.parametrize(
    ("typed", "drug"),
    [
        ("lupus, plaquenil no me ayuda", "hydroxychloroquine"),
        ("Schuppenflechte, Humira hilft nicht mehr", "adalimumab"),
        ("psoriase, o Stelara nao funciona", "ustekinumab"),
        ("волчанка, плаквенил не помогает", "hydroxychloroquine"),
        ("tengo psoriasis y el metotrexato ya no funciona", "methotrexate"),
        ("lupus, hidroxicloroquina y prednisona no me ayudan", "prednisone"),
        ("eczéma malgré dupilumab", "dupilumab"),
        ("lupus cutani que no millora amb hidroxicloroquina", "hydroxychloroquine"),  # Catalan
        ("psoriasis que no mejora con metotrexato", "methotrexate"),
        ("artrite psoriasica che non migliora con metotrexato", "methotrexate"),
        ("银屑病 甲氨蝶呤 也 无效", "methotrexate"),  # Chinese, spaced as words.spaced cuts it
        ("アトピー性皮膚炎 デュピルマブ が 効かなかった", "dupilumab"),  # Japanese
        # a class of drugs in those languages, two of them failed
        ("artritis reumatoide, fallaron dos inhibidores de TNF", "tnf-inhibitors"),
        ("psoriasis, deux biothérapies ont échoué", "biologics"),
        ("Psoriasis, zwei Biologika haben versagt", "biologics"),
        ("类风湿关节炎 两种 TNF 抑制剂 都 没效果", "tnf-inhibitors"),
        ("건선 생물학적 제제 두 가지 다 효과가 없었어요", "biologics"),
        # what worked then stopped, how long it worked (an aside) between
        ("eczema: dupixent worked for about a year then stopped working", "dupilumab"),
        ("psoriasis, humira helped then stopped working", "adalimumab"),
        ("otezla doesnt work anymore", "apremilast"),
        ("my hs, humira wears off after a few months", "adalimumab"),
    ],
)
def test_a_failure_said_in_other_languages_is_read(typed, drug):
    """…and common drugs' names in those languages (drugs.json) are known; a treatment that
    worked then stopped failed too."""
    read = _read(typed)
    assert ("refractory", "1") in read and ("prior_therapy", drug) in read


def test_tiredness_is_fatigue_not_a_typo():
    """ "treating the tiredness" was respelt "redness": people's word for fatigue is known."""
    assert "fatigue" in words.read("lupus tiredness").text


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("tenho paramiloidose, há algum estudo a recrutar neste momento?", ("recruiting", "1")),
        ("Bandscheibenvorfall, Studien bei denen ich jetzt mitmachen kann", ("recruiting", "1")),
        ("Gibt es eine Studie zu Psoriasis, die gerade Patienten aufnimmt?", ("recruiting", "1")),
        ("ci sono studi sul lupus che arruolano?", ("recruiting", "1")),
        ("estudios de lupus que están reclutando", ("recruiting", "1")),
        ("afsluttede studier om diskusprolaps", ("status", "COMPLETED")),  # Danish
    ],
)
def test_recruiting_and_active_studies_are_read_in_other_languages(typed, read):
    assert read in _read(typed)


def test_still_enrolling_is_read_whole():
    """ "still enrolling": the recruiting filter, no "still" left to search (or to be Still's
    disease)."""
    typed = "are there any familial mediterranean fever studies still enrolling adults?"
    assert ("recruiting", "1") in _read(typed)
    assert "still" not in _rest(typed)


@pytest.mark.django_db
def test_only_filler_left_is_no_search():
    query, _ = parse(_params(q="trials for kids"))
    assert query.q == "" and query.facets["age_group"] == ["child"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "explicit",
    [{"age_group": "adult"}, {"age": "40"}, {"age_group": ["adult", "older_adult"]}],
)
def test_explicit_parameters_win_over_readings(explicit):
    query, errors = parse(_params(q="eczema daughter", **explicit))
    assert not errors
    assert query.understood == ()
    assert "child" not in query.facets["age_group"]
    assert query.q == "eczema daughter"  # the child word is then dropped like filler


@pytest.mark.django_db
def test_without_the_prior_therapy_facet_the_drug_stays_a_search_word(monkeypatch):
    monkeypatch.setattr(
        facets, "FACETS", tuple(f for f in facets.FACETS if f.name != "prior_therapy")
    )
    query, errors = parse(_params(q="dermatomyositis not responding to methotrexate"))
    assert not errors
    assert [(r.parameter, r.value) for r in query.understood] == [("refractory", "1")]
    assert query.q == "dermatomyositis methotrexate"


@pytest.mark.django_db
def test_a_failed_drug_is_read_as_prior_therapy(prior_therapy):
    query, errors = parse(_params(q="dermatomyositis not responding to methotrexate"))
    assert not errors
    assert query.q == "dermatomyositis"
    assert query.facets["refractory"] == ["1"]
    # Whom methotrexate failed may join trials asking for a failed immunosuppressant, and
    # refractory trials that name no treatment.
    assert query.facets["prior_therapy"] == ["methotrexate", "immunosuppressants", "unspecified"]


@pytest.mark.django_db
def test_reading_twice_changes_nothing(prior_therapy):
    data, found = understand(_params(q="eczema daughter not responding to dupilumab"))
    assert len(found) == 7  # children, refractory, dupilumab, its three classes, none named
    again, more = understand(data)
    assert more == () and again == data


# --- the engine and the ORM reference agree -----------------------------------------------------


@pytest.fixture
def child_trials(db):
    Trial.objects.create(
        key="KID-DM", record={}, title="Juvenile dermatomyositis in children", min_age=2, max_age=17
    )
    Trial.objects.create(
        key="KID-LUPUS",
        record={},
        title="Refractory childhood lupus",
        min_age=6,
        max_age=18,
        is_refractory=True,
        drugs=["methotrexate"],
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"q": "trial for my daughter with dermatomyositis"},
        {"q": "dermatomyositis kids"},
        {"q": "kids"},
        {"q": "lupus not responding to methotrexate"},
        {"q": "lupus in my son, failed methotrexate"},
        {"q": "steroid-resistant dermatomyositis"},
        {"q": "dermatomyositis daughter", "age_group": "adult"},
        {"q": "lupus failed methotrexate", "refractory": "1", "prior_therapy": "corticosteroids"},
        {"q": "failed zorblimab lupus"},
        {"q": "dermatomyositis China"},
        {"q": "lupus women phase 3 recruiting"},
        {"q": "recruiting now"},
        {"q": "kids dermatomyositis phase 2 in Germany"},
        {"q": "elderly lupus"},
    ],
)
def test_the_orm_reference_applies_the_same_readings(child_trials, prior_therapy, params):
    data = _params(**params)
    query, errors = parse(data)
    assert not errors
    reference = TrialFilterSet(data=data, queryset=Trial.objects.all()).qs
    assert sorted(hit.key for hit in search(query).trials) == sorted(
        reference.values_list("key", flat=True)
    )
    assert search(query).count == reference.count()


@pytest.mark.django_db
def test_a_child_word_lists_the_trials_open_to_children_first(child_trials):
    """Fewer than words.FILL_BELOW trials take a child: those first, then the others (an age
    read from the words fills the list as a place does; the page says so)."""
    query, _ = parse(_params(q="trial for my daughter with dermatomyositis"))
    result = search(query)
    assert result.trials[0].key == "KID-DM"
    assert result.read_first == 1 and result.count == 4  # the three seed adult DM trials after
    chosen, _ = parse(_params(q="trial for dermatomyositis", age_group="child"))
    assert [hit.key for hit in search(chosen).trials] == ["KID-DM"]  # chosen: a filter


@pytest.mark.django_db
def test_a_reading_the_portal_would_refuse_is_not_made(monkeypatch):
    def odd(words):
        spans = words.spans([0])
        yield readings.Reading("age_group", "martian", words.said(0, 0), spans)
        yield readings.Reading("page", "-3", words.said(0, 0), spans)
        yield readings.Reading("no_such_parameter", "1", words.said(0, 0), spans)

    monkeypatch.setattr(readings, "RULES", [odd])
    query, errors = parse(_params(q="lupus"))
    assert not errors and query.understood == () and query.q == "lupus"


# --- A country typed in the search box ("dermatomyositis China") ----------------------------


@pytest.mark.parametrize(
    ("typed", "code", "rest"),
    [
        ("dermatomyositis China", "CN", "dermatomyositis"),
        ("eczema trials in Germany", "DE", "eczema trials"),
        ("Eczema Germany", "DE", "Eczema"),  # after a condition, whatever its case
        ("psoriasis in the UK", "GB", "psoriasis"),
        ("skin cancer United Kingdom", "GB", "skin cancer"),
        ("psoriasis in India", "IN", "psoriasis"),  # the country, not a town named India
        ("vitiligo from South Korea", "KR", "vitiligo"),
        ("Japan", "JP", ""),
        # a country by its own name
        (
            "choroby reumatyczne badania kliniczne Polska",
            "PL",
            "choroby reumatyczne badania kliniczne",
        ),
        ("psoriasis studie Nederland", "NL", "psoriasis studie"),
        ("atopisk eksem Danmark", "DK", "atopisk eksem"),
        # the words for now after it go with it
        ("ATTR amyloidosis trials in Cyprus right now", "CY", "ATTR amyloidosis trials"),
        ("eczema studies in France at the moment", "FR", "eczema studies"),
        ("psoriasis studi in Italia adesso", "IT", "psoriasis studi"),
    ],
)
def test_a_country_at_the_end_is_read_as_the_country_filter(typed, code, rest):
    assert _read(typed) == [("country", code)]
    assert _rest(typed) == rest


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("my son in France has eczema", "FR"),
        ("hay estudios en España para niños con eczema", "ES"),
        ("هل في أبحاث اتعملت في مصر على الحقن دي؟", "EG"),  # Egypt, in Arabic: any word
        ("Россия псориаз исследования", "RU"),
        ("Проводятся ли в России исследования алектиниба", "RU"),  # inflected: "in Russia"
        ("Czy w Polsce są badania kliniczne z tym lekiem", "PL"),
    ],
)
def test_a_country_inside_a_sentence_is_read(typed, code):
    """After a word for "in", written with its capital; in a script without capitals, any
    word that is a country's name."""
    assert ("country", code) in _read(typed)


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("onderzoek naar psoriasis in Nederland en België voor kinderen", {"NL", "BE"}),
        ("hay ensayos en Colombia o Perú para lupus", {"CO", "PE"}),
        ("lupus studies in Spain, France or Italy for women", {"ES", "FR", "IT"}),
    ],
)
def test_countries_listed_inside_a_sentence_are_all_read(typed, codes):
    assert {value for parameter, value in _read(typed) if parameter == "country"} == codes


def test_a_city_after_its_country_in_another_script_is_read_too():
    assert _read("Россия Москва псориаз") == [("country", "RU"), ("near", "Moscow, RU")]
    assert _read("Россия Минск псориаз") == [("country", "RU")]  # Minsk is in Belarus


@pytest.mark.parametrize(
    "typed",
    [
        "псориаз не в России",
        "Psoriasis Studien nicht in Deutschland",
        "études psoriasis pas en France",
        "badania łuszczyca nie w Polsce",
    ],
)
def test_a_country_said_not_to_be_where_in_other_languages_is_not_read(typed):
    assert "country" not in {parameter for parameter, _ in _read(typed)}, typed


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Kortison hilft nicht Studien Deutschland", "DE"),  # "not" ends its own clause
        ("la crème ne marche pas essai France", "FR"),
        ("Psoriasis Studien nicht nur in Deutschland", "DE"),  # not only in Germany
        ("псориаз Германия", "DE"),
    ],
)
def test_a_not_elsewhere_in_the_sentence_leaves_the_country_read(typed, code):
    assert ("country", code) in _read(typed)


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        ("German psoriasis trials", [("country", "DE")], "psoriasis trials"),
        ("studi italiani sulla psoriasi", [("country", "IT")], "studi sulla psoriasi"),
        ("danish lupus studies", [("country", "DK")], "lupus studies"),
        (
            "afsluttede danske studier om diskusprolaps",
            [("status", "COMPLETED"), ("country", "DK")],
            "studier om diskusprolaps",
        ),
    ],
)
def test_a_peoples_adjective_beside_a_word_for_trials_is_the_country(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


@pytest.mark.parametrize(
    "typed",
    [
        "Chinese medicine trials for eczema",  # not beside the word for trials
        "japanese encephalitis vaccine trials",  # a condition's name
        "French fries and acne studies",
        "lupus studies, not danish studies",
        "lupus studies in Spain, not German trials",  # the place read first
        "eczema trials Spanish speaking",  # whom it describes, after the word for trials
        "psoriasis trials Chinese patients",
        "American Indian psoriasis trials",
    ],
)
def test_a_peoples_adjective_elsewhere_is_no_country(typed):
    assert ("country", "DK") not in _read(typed) and ("country", "DE") not in _read(typed)
    if "Spain" not in typed:
        assert "country" not in {parameter for parameter, _ in _read(typed)}, typed


@pytest.mark.parametrize(
    "typed",
    [
        "psoriasis in turkey is common",  # the bird, as often: only "in Turkey" at the end
        "lupus in New Mexico for women",  # the state
        "trials in Jordan Valley hospital",  # a longer name
        "eczema in china dolls",  # no capital
    ],
)
def test_a_word_inside_a_sentence_that_is_no_country_is_not_read(typed):
    assert "country" not in {parameter for parameter, _ in _read(typed)}, typed


@pytest.mark.parametrize(
    "typed",
    [
        "lupus New Jersey",  # not Jersey
        "pemphigus Papua New Guinea Smith",  # not at the end
        "acne Georgia",  # the US state as often
        "trials for us",
        "lupus near Lebanon",  # near: a place (ambiguous here), not the country
        "lupus in",
        '"psoriasis Germany"',
        "rash from turkey",  # the food
        "psoriasis Jersey",  # New Jersey, as often: only "in Jersey"
    ],
)
def test_other_words_are_no_country(typed):
    assert "country" not in {parameter for parameter, _ in _read(typed)}, typed


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        ("Germany psoriasis", [("country", "DE")], "psoriasis"),
        ("japan rheumatology dermatology", [("country", "JP")], "rheumatology dermatology"),
        (
            "phase 3 recruiting japan lupus",
            [("recruiting", "1"), ("phase", "PHASE3"), ("country", "JP")],
            "lupus",
        ),
        ("Texas eczema study", [("region", "Texas")], "eczema study"),
        ("midwest psoriasis trials", [("region", "Midwest")], "psoriasis trials"),
        ("boston lupus trial", [("near", "boston")], "lupus trial"),
        ("tokyo psoriasis", [("near", "tokyo")], "psoriasis"),
        ("new york psoriasis", [("near", "new york")], "psoriasis"),
        ("socal eczema trials", [("near", "socal"), ("within", "200")], "eczema trials"),
        # A place at the end is the one read: the first stays a search word.
        ("germany lupus trials in france", [("country", "FR")], "germany lupus trials"),
    ],
)
def test_a_place_the_query_starts_with_is_read(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


@pytest.mark.parametrize(
    "typed",
    [
        "India ink skin test",  # a thing, not the country
        "Jordan psoriasis",  # a name as often
        "Turkey tail mushroom for psoriasis",
        "Nice to see lupus trials",  # a town of fewer than FIRST_CITY people, a word
        "Mobile app for eczema",
        "Mam 28 lat, toczeń",  # a big city's other name (an airport's code), not its own
        "phoenix abscess",  # a city only before a disease, a treatment or a word for trials
        "Washington lupus study",  # the state or the city: only "in Washington"
    ],
)
def test_other_first_words_are_no_place(typed):
    read = {parameter for parameter, _ in _read(typed)}
    assert not read & {"country", "region", "near"}, typed


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # a comma before a word in lower case or a number ends a clause (session 54)
        (
            "i live on a ranch in rural montana, 3 hours from the nearest rheumatologist."
            " 44, lupus for 6 years, on hydroxy and 5mg of prednisone but my joints and the"
            " rash on my arms keep flaring. is there any lupus trial i could get to?",
            [("region", "Montana")],
        ),
        ("we live in san diego, any studies for kids with eczema?", [("near", "san diego")]),
        # "in the US" inside a sentence, not the pronoun
        ("open DM studies in the US to refer a refractory pt", [("country", "US")]),
        ("trials that help US in the end", []),
        # … not a place's own comma
        ("lupus near Houston, Texas", [("near", "Houston, Texas")]),
        ("eczema in Paris, France", [("near", "Paris, France")]),
    ],
)
def test_a_place_inside_a_sentence_is_read(typed, read):
    assert [item for item in _read(typed) if item[0] in ("region", "near", "country")] == read


@pytest.mark.django_db
def test_a_typed_country_lists_the_trials_with_a_site_there_first(client):
    for key, countries in [("IN-CN", ["CN"]), ("IN-US", ["US"])]:
        Trial.objects.create(key=key, record={}, title="Morphea study", countries=countries)
    response = client.get("/", {"q": "morphea China"})
    result = response.context["result"]
    keys = [hit.key for hit in result.trials]
    # Fewer than words.FILL_BELOW trials have a site there: they come first, then the others.
    assert keys.index("IN-CN") < keys.index("IN-US") and result.read_first == 1
    assert all("CN" in hit.countries for hit in result.trials[: result.read_first])
    (understood,) = response.context["understood"]
    assert understood["sentence"] == "Showing trials with a site in China"
    assert understood["said"] == "China"
    html = response.content.decode()
    assert "1 trial has a site where you said (“China”) and is listed first" in html
    assert "after it, trials elsewhere" in html
    body = client.get("/api/trials/", {"q": "morphea China"}).json()
    assert body["understood"] == [{"parameter": "country", "value": "CN", "from": "China"}]
    assert body["count"] == result.count and body["read_first"] == 1
    assert _reference(q="morphea China") == set(keys)
    # Enough trials there: only those; the country chosen as a parameter is never filled.
    for number in range(words.FILL_BELOW):
        Trial.objects.create(key=f"CN-{number}", record={}, title="Morphea trial", countries=["CN"])
    found = {hit.key for hit in _search({"q": "morphea China", "page_size": "50"}).trials}
    assert "IN-US" not in found and "IN-CN" in found
    chosen = _search({"q": "morphea", "country": "CN", "page_size": "50"})
    assert chosen.read_first is None and "IN-US" not in {hit.key for hit in chosen.trials}


@pytest.mark.django_db
def test_a_search_filled_without_two_readings_lists_those_meeting_one_before_those_meeting_none():
    """ "morphea trials in China still recruiting", no trial both: those open elsewhere and
    those closed in China (one of the two) before those closed elsewhere."""
    for key, countries, status in [
        ("CLOSED-US", ["US"], "COMPLETED"),
        ("OPEN-US", ["US"], "RECRUITING"),
        ("CLOSED-CN", ["CN"], "COMPLETED"),
    ]:
        Trial.objects.create(
            key=key, record={}, title="Morphea study", countries=countries, status=status
        )
    result = _search({"q": "morphea trials in China still recruiting"})
    keys = [hit.key for hit in result.trials]
    assert result.read_first == 0
    assert set(keys[:2]) == {"OPEN-US", "CLOSED-CN"} and keys[2] == "CLOSED-US"


# --- Recruiting and phase words ("recruiting psoriasis trials", "phase 3 lupus") ------------


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        ("recruiting psoriasis trials", [("recruiting", "1")], "psoriasis trials"),
        ("eczema trials now enrolling", [("recruiting", "1")], "eczema trials"),
        ("lupus accepting new patients", [("recruiting", "1")], "lupus"),
        ("phase 3 psoriasis", [("phase", "PHASE3")], "psoriasis"),
        ("lupus phase II/III", [("phase", "PHASE2"), ("phase", "PHASE3")], "lupus"),
        ("phase3 acne", [("phase", "PHASE3")], "acne"),
        ("dupilumab phase 2b", [("phase", "PHASE2")], "dupilumab"),
        ("early phase 1 eczema", [("phase", "EARLY_PHASE1")], "eczema"),
        # a range is every phase in it; "or" between phases is no web-search OR
        ("phase 1 to 3 acne", [("phase", p) for p in ("PHASE1", "PHASE2", "PHASE3")], "acne"),
        ("phase 1 or 2 lupus", [("phase", "PHASE1"), ("phase", "PHASE2")], "lupus"),
        # clinicians' "ph" (session 54), its numbers joined or apart
        ("ph1/2 psoriasis", [("phase", "PHASE1"), ("phase", "PHASE2")], "psoriasis"),
        ("AUD pharmacotherapy ph2", [("phase", "PHASE2")], "AUD pharmacotherapy"),
        ("ph 2b lupus", [("phase", "PHASE2")], "lupus"),
        ("ph III SLE", [("phase", "PHASE3")], "SLE"),
        ("phase1/2 lupus", [("phase", "PHASE1"), ("phase", "PHASE2")], "lupus"),
        # the sex of the person asking, over the other said of the trials
        (
            "im a man with sjogrens, are they all women only",
            [("sex", "male")],
            "im a with sjogrens, are they all women only",
        ),
        (
            "my husband has lupus, the studies seem to be for women only, any that take men?",
            [("sex", "male")],
            "my husband has lupus, the studies seem to be for women only, any that take",
        ),
        (
            "lupus studies for women and men",
            [("sex", "female"), ("sex", "male")],
            "lupus studies for",
        ),
        # a relative's sex after "my": whom the search is for (the child or age read too)
        ("my wife has lupus", [("sex", "female")], "wife has lupus"),
        (
            "my son is 16 and has lupus",
            [("age", "16"), ("sex", "male")],
            "and has lupus",
        ),
        ("my son and daughter have psoriasis", [("age_group", "child")], "my have psoriasis"),
        ("lupus women my husband", [("sex", "female")], "lupus my husband"),
        # a kind of study (lay_terms.json `study_types`)
        (
            "observational registry for psoriasis",
            [("study_type", "OBSERVATIONAL")],
            "for psoriasis",
        ),
        ("real world dupilumab", [("study_type", "OBSERVATIONAL")], "dupilumab"),
        (
            "estudios observacionales de esclerodermia",
            [("study_type", "OBSERVATIONAL")],
            "de esclerodermia",
        ),
        ("how do i register for a lupus trial", [], "how do i register for a lupus trial"),
        # a closed status in another language, beside its word for trials
        ("essais terminés sur le lupus", [("status", "COMPLETED")], "essais sur le lupus"),
        ("Psoriasis Studien abgebrochen", [("status", "TERMINATED")], "Psoriasis Studien"),
        (
            "肺癌 临床试验 被 撤回 或者 提前终止 了",  # as words.spaced gives it
            [("status", "WITHDRAWN"), ("status", "TERMINATED")],
            "肺癌 临床试验 被 或者 了",
        ),
        # an unknown status, beside a word for trials or status ("unknown cause": no status)
        (
            "scleroderma studies with unknown status",
            [("status", "UNKNOWN")],
            "scleroderma studies with status",
        ),
        (
            "Sklerodermie Studien, Status unbekannt",
            [("status", "UNKNOWN")],
            "Sklerodermie Studien, Status",
        ),
        ("psoriasis of unknown cause", [], "psoriasis of unknown cause"),
        ("lupus, just blood tests", [("study_type", "OBSERVATIONAL")], "lupus,"),
        ("lupus, no experimental drugs", [("study_type", "OBSERVATIONAL")], "lupus,"),
        ("lupus and i could get into right now", [("recruiting", "1")], "lupus and i could"),
        ("compassionate use of anifrolumab", [("study_type", "EXPANDED_ACCESS")], "of anifrolumab"),
        # … not what trials say of themselves, found as words
        ("natural history of myositis", [], "natural history of myositis"),
        ("not yet recruiting lupus", [("recruiting", "1")], "lupus"),  # soon open
        ("upcoming lupus trials", [("recruiting", "1")], "lupus trials"),
        ("psoriasis trials still open", [("recruiting", "1")], "psoriasis trials"),
        (
            "psoriasis recruiting now near Boston",
            [("recruiting", "1"), ("near", "Boston")],
            "psoriasis",
        ),
        ("phase 3 Spain", [("phase", "PHASE3"), ("country", "ES")], ""),
        ("psoriasis kids Germany", [("age_group", "child"), ("country", "DE")], "psoriasis"),
        ("psoriasis Isle of Man", [("country", "IM")], "psoriasis"),
        # a country's name in its own letters (countries.json)
        ("lupus in 中国", [("country", "CN")], "lupus"),
        ("乾癬 日本", [("country", "JP")], "乾癬"),
        ("lupus in россия", [("country", "RU")], "lupus"),
        # a big city named in its own letters, wherever it stands (the one big city of its name)
        ("псориаз Москва", [("near", "Moscow, RU")], "псориаз"),
        ("λύκος Ηράκλειο Κρήτης", [("near", "Irákleion, GR")], "λύκος Κρήτης"),
        ("광주 근처 아토피", [("near", "Gwangju, KR")], "근처 아토피"),
        ("서울에서 건선 임상시험", [("near", "Seoul, KR")], "건선 임상시험"),
        ("אקזמה ירושלים", [("near", "Jerusalem, IL")], "אקזמה"),
        # a town's name inflected after "in" in Polish, Czech, Serbian ("w Warszawie")
        (
            "łuszczyca badania kliniczne w Warszawie",
            [("near", "Warszawa")],
            "łuszczyca badania kliniczne",
        ),
        ("lupus studie v Praze", [("near", "Praha")], "lupus studie"),
        ("ima li studija u Beogradu?", [("near", "Beograd")], "ima li studija"),
        ("mieszkam w Białymstoku", [("near", "Białystok")], "mieszkam"),
        ("help me w eczema", [], "help me w eczema"),
        # … or at the beginning of a word of Han characters: a hospital there ("Nanjing Drum
        # Tower Hospital"), not a university named after another city
        ("南京鼓楼医院 狼疮", [("near", "Nanjing, CN")], "狼疮"),
        ("中山大学 红斑狼疮", [], "中山大学 红斑狼疮"),
        ("系统性红斑狼疮", [], "系统性红斑狼疮"),
        ("зимой псориаз хуже", [], "зимой псориаз хуже"),
        # Chinese, Japanese and Korean name the place first ("中国银屑病" once words.spaced)
        ("中国 银屑病", [("country", "CN")], "银屑病"),
        ("한국 건선", [("country", "KR")], "건선"),
        # countries in the languages people search in
        ("psoriasis en Alemania", [("country", "DE")], "psoriasis"),
        ("lupus Frankreich", [("country", "FR")], "lupus"),
        (
            "atopowe zapalenie skóry badanie kliniczne Łódź",
            [("near", "Łódź")],
            "atopowe zapalenie skóry badanie kliniczne",
        ),
        # … after statuses joined by "or" ("recruiting or starting soon")
        (
            "biologics in south korea recruiting or starting soon",
            [("recruiting", "1"), ("country", "KR")],
            "biologics",
        ),
        # countries joined by "or" or "and": each
        ("lupus in Germany or France", [("country", "DE"), ("country", "FR")], "lupus"),
        ("eczema in Germany and Austria", [("country", "DE"), ("country", "AT")], "eczema"),
        # a list with commas, capitalised: each (a city before a comma is the place rule's)
        (
            "lupus trials in Spain, Italy and France",
            [("country", "ES"), ("country", "IT"), ("country", "FR")],
            "lupus trials",
        ),
        ("lupus Paris, France", [], "lupus Paris, France"),
        ("psoriasis in Turkey", [("country", "TR")], "psoriasis"),
        # … and after another country in a list, "in" before the first
        ("lupus in Argentina and Chile", [("country", "AR"), ("country", "CL")], "lupus"),
        ("eczema in Greece, Turkey", [("country", "GR"), ("country", "TR")], "eczema"),
        ("psoriasis turkey", [], "psoriasis turkey"),
        ("lupus and chile", [], "lupus and chile"),
        (
            "recruiting phase 2 dermatomyositis in China",
            [("recruiting", "1"), ("phase", "PHASE2"), ("country", "CN")],
            "dermatomyositis",
        ),
        # misspelt (readings.STATUS_WORDS)
        ("vitiligo study recrutiing", [("recruiting", "1")], "vitiligo study"),
        ("psoriasis trials still recuiting", [("recruiting", "1")], "psoriasis trials"),
        ("lupus studies enroling now", [("recruiting", "1")], "lupus studies"),
        ("completd eczema trials", [("status", "COMPLETED")], "eczema trials"),
        # the noun in other languages ("recrutement": recruitment)
        ("étude psoriasis recrutement", [("recruiting", "1")], "étude psoriasis"),
    ],
)
def test_recruiting_and_phase_words_are_read_as_filters(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


@pytest.mark.parametrize(
    "typed",
    [
        "not recruiting lupus",
        "open label psoriasis",
        "open wounds",
        "no longer enrolling",
        "stopped recruiting",
        "recruiting completed",
        "phase",
        "stage 3 melanoma",
        "phases",
        "recruited psoriasis patients",  # words, not misspellings
        "completes eczema",
        # a post-marketing survey has no phase in the registries (observational), seldom 4
        "psoriasis post-marketing studies",
        "postmarketing lupus",
        # the skin's acidity, not a phase
        "psoriasis pH 4 cream",
        "skin ph 4.5 cleanser",
        "ph4.5 body wash for eczema",
        "phi 3 study",
    ],
)
def test_other_recruiting_and_phase_words_are_not_read(typed):
    assert {parameter for parameter, _ in _read(typed)} & {"recruiting", "phase"} == set()


@pytest.mark.django_db
def test_a_phase_typed_that_few_trials_are_in_lists_them_first_then_the_others(client):
    """ "first-in-human lupus trials": the one phase 1 trial, then the other lupus trials (a
    clinician asking for a phase still wants the disease's other trials after it), and the
    page says so; chosen as a parameter, the phase filters."""
    for key, phases in [("P1", ["PHASE1"]), ("P2", ["PHASE2"]), ("P3", ["PHASE3"])]:
        Trial.objects.create(
            key=key,
            record={},
            title="Lupus study",
            phases=phases,
            conditions=["systemic-lupus-erythematosus"],
        )
    response = client.get("/", {"q": "first-in-human lupus trials"})
    found = [hit.key for hit in response.context["result"].trials]
    assert found[0] == "P1" and {"P2", "P3"} <= set(found[1:])
    assert response.context["result"].read_first == 1
    assert "in the phase you asked for (“first-in-human”)" in response.content.decode()
    chosen = client.get("/", {"q": "lupus trials", "phase": "PHASE1"})
    assert [hit.key for hit in chosen.context["result"].trials] == ["P1"]


@pytest.mark.django_db
def test_a_phase_filled_lists_the_disease_named_in_other_phases_before_other_diseases(client):
    """ "phase 3 … lupus nephritis": the lupus nephritis trial of another phase is nearer what
    was asked than a phase 3 trial of another disease that says the words."""
    for key, title, conditions, phases in [
        ("LN-2", "Lupus nephritis study", ["lupus-nephritis"], ["PHASE2"]),
        ("SLE-3", "Lupus study; nephritis excluded", ["systemic-lupus-erythematosus"], ["PHASE3"]),
    ]:
        Trial.objects.create(key=key, record={}, title=title, conditions=conditions, phases=phases)
    response = client.get("/", {"q": "phase 3 lupus nephritis trials"})
    found = [hit.key for hit in response.context["result"].trials]
    assert found.index("LN-2") < found.index("SLE-3")


@pytest.mark.django_db
def test_recruiting_and_a_phase_typed_filter_the_trials(client):
    for key, status, phases in [
        ("OPEN-3", "RECRUITING", ["PHASE3"]),
        ("DONE-3", "COMPLETED", ["PHASE3"]),
        ("OPEN-2", "RECRUITING", ["PHASE2"]),
    ]:
        Trial.objects.create(
            key=key, record={}, title="Vitiligo study", status=status, phases=phases
        )
    response = client.get("/", {"q": "recruiting phase 3 vitiligo trials"})
    # One open trial of the phase: it first, then the others of the phase (a status read
    # fills the list: test_recruiting_typed_that_few_trials_are_lists_them_first_then_the_
    # others); a phase let go adds only trials about the disease named, and these are tagged
    # with none.
    found = [hit.key for hit in response.context["result"].trials]
    assert found == ["OPEN-3", "DONE-3"]
    assert response.context["result"].read_first == 1
    # Recruiting chosen holds; the phase read is met by one trial, and no other is about
    # vitiligo (tagged): it alone.
    chosen = client.get("/", {"q": "phase 3 vitiligo trials", "recruiting": "1"})
    assert [hit.key for hit in chosen.context["result"].trials] == ["OPEN-3"]
    chosen = client.get("/", {"q": "vitiligo trials", "recruiting": "1", "phase": "PHASE3"})
    assert [hit.key for hit in chosen.context["result"].trials] == ["OPEN-3"]
    sentences = [u["sentence"] for u in response.context["understood"]]
    assert sentences == [
        "Showing trials recruiting now or soon",
        "Showing trials with phase: Phase 3",
    ]
    assert response.context["query"].q == "vitiligo trials"
    response = client.get("/", {"q": "vitiligo phase 2 or 3"})
    assert sorted(hit.key for hit in response.context["result"].trials) == [
        "DONE-3",
        "OPEN-2",
        "OPEN-3",
    ]
    assert response.context["query"].q == "vitiligo"


CLOSED = [("status", "COMPLETED"), ("status", "TERMINATED"), ("status", "ACTIVE_NOT_RECRUITING")]


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        ("completed psoriasis studies", [("status", "COMPLETED")], "psoriasis studies"),
        ("psoriasis trials completed", [("status", "COMPLETED")], "psoriasis trials"),
        ("lupus trials that were terminated", [("status", "TERMINATED")], "lupus trials that were"),
        ("withdrawn methotrexate trials", [("status", "WITHDRAWN")], "methotrexate trials"),
        ("past eczema trials", CLOSED, "eczema trials"),
        # a kind of disease, or of trial, between
        ("withdrawn skin disease studies", [("status", "WITHDRAWN")], "skin disease studies"),
        ("withdrawn dermatology studies", [("status", "WITHDRAWN")], "dermatology studies"),
        ("completed clinical trials", [("status", "COMPLETED")], "clinical trials"),
        ("lupus trials terminated early", [("status", "TERMINATED")], "lupus trials"),
        (
            "laser studies active but not recruiting",
            [("status", "ACTIVE_NOT_RECRUITING")],
            "laser studies",
        ),
        # joined by "or", "and" or a comma, they stand together beside the word for trials
        (
            "completed or terminated lupus trials",
            [("status", "COMPLETED"), ("status", "TERMINATED")],
            "lupus trials",
        ),
        (
            "lupus trials completed, terminated or withdrawn",
            [("status", "COMPLETED"), ("status", "TERMINATED"), ("status", "WITHDRAWN")],
            "lupus trials",
        ),
        # with an open one: the open statuses among them, not a filter no trial meets
        (
            "recruiting or completed lupus trials",
            [("status", s) for s in ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION")]
            + [("status", "COMPLETED")],
            "lupus trials",
        ),
        (
            "completed, recruiting or terminated eczema trials",
            [("status", s) for s in ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION")]
            + [("status", "COMPLETED"), ("status", "TERMINATED")],
            "eczema trials",
        ),
    ],
)
def test_words_for_closed_trials_beside_a_word_for_trials_are_the_status_filter(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


@pytest.mark.parametrize(
    "typed",
    [
        "patients who completed the parent study",  # no word for trials beside it
        "psoriasis completed",
        "eczema stopped working",
        "older adults with eczema",
    ],
)
def test_other_words_for_closed_trials_are_not_read(typed):
    assert "status" not in {parameter for parameter, _ in _read(typed)}


@pytest.mark.django_db
def test_a_status_typed_that_few_trials_have_lists_them_first_then_the_others(client):
    for key, status in [("DONE", "COMPLETED"), ("OPEN", "RECRUITING"), ("ENDED", "TERMINATED")]:
        Trial.objects.create(key=key, record={}, title="Morphea study", status=status)
    typed = "completed morphea studies"
    result = _search({"q": typed})
    assert _keys(result)[0] == "DONE" and set(_keys(result)) == {"DONE", "OPEN", "ENDED"}
    assert result.read_first == 1 and _reference(q=typed) == {"DONE", "OPEN", "ENDED"}
    html = client.get("/", {"q": typed}).content.decode()
    assert "1 trial has the status you asked for (“completed”)" in html
    assert "Showing trials with recruitment status: Completed" in html
    chosen = _search({"q": "morphea", "status": "COMPLETED"})
    assert _keys(chosen) == ["DONE"] and chosen.read_first is None


@pytest.mark.django_db
def test_recruiting_typed_that_few_trials_are_lists_them_first_then_the_others(client):
    """ "lupus trials still recruiting": the open ones first, then those whose open status is no
    longer confirmed, then the closed; the page and the API say so, the ORM reference agrees."""
    stale = unconfirmed_before() - datetime.timedelta(days=30)
    for key, status, verified, title in [
        ("OPEN", "RECRUITING", None, "Lichen planus study"),
        ("STALE", "RECRUITING", stale, "Lichen planus lichen planus trial"),
        ("DONE", "COMPLETED", None, "Lichen planus, lichen planus, lichen planus"),
    ]:
        Trial.objects.create(
            key=key, record={}, title=title, status=status, status_verified=verified
        )
    typed = "lichen planus trials still recruiting"
    result = _search({"q": typed})
    assert _keys(result) == ["OPEN", "STALE", "DONE"]
    assert result.read_first == 1 and result.count == 3 and result.unconfirmed_left_out == 0
    assert _reference(q=typed) == {"OPEN", "STALE", "DONE"}
    html = client.get("/", {"q": typed}).content.decode()
    assert "1 trial is recruiting or about to, as you asked (“still recruiting”)" in html
    body = client.get("/api/trials/", {"q": typed}).json()
    assert [t["key"] for t in body["results"]] == ["OPEN", "STALE", "DONE"]
    assert body["read_first"] == 1
    # None open: the others, said so.
    Trial.objects.filter(key="OPEN").update(status="COMPLETED")
    html = client.get("/", {"q": typed}).content.decode()
    assert "No trial is recruiting now, as you asked (“still recruiting”)" in html
    assert _keys(_search({"q": typed})) == ["STALE", "DONE", "OPEN"]  # then by their words
    # Chosen as a parameter, the filter is kept whatever it leaves.
    chosen = _search({"q": "lichen planus", "recruiting": "1"})
    assert _keys(chosen) == [] and chosen.read_first is None
    assert chosen.unconfirmed_left_out == 1


# --- A search for children's trials lists the trials for the young only first ---------------


@pytest.fixture
def vitiligo_trials(db):
    """Two adult-and-child trials that rank high (the word twice in the title), two for
    children only that rank lower."""
    for key, title, max_age in [
        ("ANY-1", "Vitiligo: a vitiligo cream", None),
        ("ANY-2", "Vitiligo and vitiligo light", 75),
        ("YOUNG-1", "Children with vitiligo", 17),
        ("YOUNG-2", "Teenagers and their vitiligo", 21),
    ]:
        Trial.objects.create(key=key, record={}, title=title, min_age=8, max_age=max_age)
    # The best words of all, and no ages stated: last for a children's search.
    Trial.objects.create(key="NO-AGES", record={}, title="Vitiligo, vitiligo, vitiligo")


def _circumstance_read(said: str, excluded: str) -> bool:
    """Whether `said` is read as the circumstance whose exclusion pattern has `excluded`."""
    return any(excluded in c.excluded for c in words.excluded_circumstances(said))


def _keys(result) -> list[str]:
    return [hit.key for hit in result.trials]


def _search(params: dict):
    data = QueryDict(mutable=True)
    data.update(params)
    query, errors = parse(data)
    assert not errors, errors
    return search(query)


def test_a_childrens_search_ranks_the_trials_for_the_young_only_first(vitiligo_trials):
    assert _keys(_search({"q": "vitiligo"}))[:3] == ["NO-AGES", "ANY-1", "ANY-2"]
    for params in ({"q": "vitiligo in kids"}, {"q": "vitiligo", "age": "9"}):
        found = _keys(_search(params))
        assert set(found[:2]) == {"YOUNG-1", "YOUNG-2"}
        assert set(found[2:4]) == {"ANY-1", "ANY-2"} and found[4] == "NO-AGES"
        # Page by page (the API's page size), and in an export, the same order.
        paged = [
            key
            for page in (1, 2, 3, 4, 5)
            for key in _keys(_search({**params, "page_size": "1", "page": str(page)}))
        ]
        assert paged == found
        # A page that straddles the two tiers, and one past the end.
        result = _search({**params, "page_size": "3", "page": "1"})
        assert _keys(result) == found[:3] and result.count == 5
        assert _keys(_search({**params, "page_size": "3", "page": "2"})) == found[3:]
        data = QueryDict(mutable=True)
        data.update(params)
        query, _ = parse(data)
        assert [Trial.objects.get(pk=pk).key for pk in matching(query, 10).pks] == found


@pytest.mark.parametrize(
    ("typed", "failed"),
    [
        ("methotrexate and cyclosporine didnt work", {"methotrexate", "ciclosporin"}),
        (
            "enbrel, humira and remicade didnt work for my psoriasis",
            {"etanercept", "adalimumab", "infliximab"},
        ),
        ("плаквенил и преднизолон больше не помогают", {"hydroxychloroquine", "prednisolone"}),
        # a list ends at what is no treatment, or at a dash
        ("took methotrexate for years and humira didnt work", {"adalimumab"}),
        ("acitretin - humira didnt work", {"adalimumab"}),
    ],
)
def test_a_list_of_treatments_before_a_failure_all_failed(typed, failed):
    read = {value for parameter, value in _read(typed) if parameter == "prior_therapy"}
    assert failed <= read
    assert not ({"methotrexate", "acitretin"} - failed) & read


def test_a_childs_age_with_a_disease_no_vocabulary_knows_ranks_by_its_words(db):
    """ "congenital adrenal hyperplasia, my son is 12 …": the trial about it, which takes him,
    before a children's trial of another disease that only shares the query's other words;
    "… trial for kids" asks for a kind of trial: the children's trial first there."""
    Trial.objects.create(
        key="CAH",
        record={},
        title="Congenital adrenal hyperplasia: calcium channels as therapeutic targets",
        text_summary="Steroid treatment in congenital adrenal hyperplasia.",
        min_age=12,
        max_age=35,
    )
    Trial.objects.create(
        key="KIDS",
        record={},
        title="Absorption of steroids in children with juvenile dermatomyositis",
        text_summary="A steroid medicine for children.",
        conditions=["juvenile-dermatomyositis"],
        min_age=4,
        max_age=17,
    )
    typed = "congenital adrenal hyperplasia, my son is 12, any steroid medicine trial?"
    assert _keys(_search({"q": typed}))[:2] == ["CAH", "KIDS"]
    kind = "congenital adrenal hyperplasia, any steroid medicine trial for kids?"
    assert _keys(_search({"q": kind}))[:2] == ["KIDS", "CAH"]


def test_a_search_for_a_teenager_ranks_the_trials_that_take_one_first(db):
    """A search for "my teenage son": the trial for 2-12 ranks best on its words but cannot
    take him; the one for 12 and over can; the one that states no ages comes between."""
    for key, title, min_age, max_age in [
        ("YOUNGER", "Eczema: eczema cream for eczema", 2, 12),
        ("TEENS", "Eczema in adolescents", 12, None),
        ("UNSTATED", "Eczema and eczema", None, None),
        ("ADULTS", "Eczema eczema eczema in adults", 18, 65),
    ]:
        Trial.objects.create(
            key=key,
            record={},
            title=title,
            min_age=min_age,
            max_age=max_age,
            conditions=["atopic-dermatitis"],
        )
    # (and, fewer than words.FILL_BELOW trials taking a child, the adults' after them)
    expected = ["TEENS", "UNSTATED", "YOUNGER", "ADULTS"]
    assert _keys(_search({"q": "eczema for my teenage son"})) == expected
    assert _keys(_search({"q": "eczema in teens"})) == expected
    # A child of no age said: the trials for the young only first, as before.
    assert _keys(_search({"q": "eczema for my son"}))[0] == "YOUNGER"


def test_the_trials_testing_a_treatment_named_come_before_those_saying_its_words(db):
    """ "tnf blocker studies for kids": the children's study that only measures TNF ranks
    first by age and words; the one testing a TNF blocker comes first. A background
    treatment ("steroid-sparing") orders nothing."""
    Trial.objects.create(
        key="TESTED",
        record={},
        title="Etanercept, a TNF blocker, in arthritis",
        drugs=["etanercept"],
        drug_classes=["tnf-inhibitors"],
        min_age=4,
        max_age=30,
    )
    Trial.objects.create(
        key="SAYS", record={}, title="TNF blocker and TNF blocker levels in fevers", max_age=17
    )
    Trial.objects.create(
        key="STEROID",
        record={},
        title="Steroid sparing in lupus",
        drugs=["prednisone"],
        drug_classes=["corticosteroids"],
    )
    Trial.objects.create(key="SPARING", record={}, title="Lupus lupus: steroid-sparing, sparing")
    assert _keys(_search({"q": "tnf blocker studies for kids"})) == ["TESTED", "SAYS"]
    assert _keys(_search({"q": "steroid-sparing lupus"}))[0] == "SPARING"


def test_the_trials_about_the_rest_of_a_named_condition_s_group_come_before_others(db):
    """ "inclusion body myositis immunotherapy": the sIBM trial, then the one about another
    myositis, then a lung cancer trial that says the word most."""
    for key, title, conditions in [
        ("SIBM", "Immunotherapy in inclusion body myositis", ["inclusion-body-myositis"]),
        ("DM", "Immunotherapy in dermatomyositis", ["dermatomyositis"]),
        ("CANCER", "Immunotherapy: immunotherapy in lung cancer immunotherapy", []),
    ]:
        Trial.objects.create(key=key, record={}, title=title, conditions=conditions)
    assert _keys(_search({"q": "immunotherapy"}))[0] == "CANCER"
    found = _keys(_search({"q": "inclusion body myositis or other immunotherapy"}))
    assert [key for key in found if key in {"SIBM", "DM", "CANCER"}] == ["SIBM", "DM", "CANCER"]


def test_a_search_for_someone_past_bearing_children_lists_pregnancy_trials_last(db):
    """ "my mom is 72 and has lupus": a pregnancy registry takes women 18 and over, and ranks
    best on its words, but she cannot join it; nor can older adults. A younger woman's search
    keeps the order of the words."""
    for key, title in [
        ("REGISTRY", "Lupus lupus lupus in pregnancy registry"),
        ("HEART-BLOCK", "Preventing fetal heart block in lupus lupus"),
        ("TRIAL", "A study of lupus"),
    ]:
        Trial.objects.create(key=key, record={}, title=title, min_age=18, sex=Sex.FEMALE)
    mine = {"REGISTRY", "HEART-BLOCK", "TRIAL"}
    for params in ({"q": "my mom is 72 and has lupus"}, {"q": "lupus", "age_group": "older_adult"}):
        found = [key for key in _keys(_search(params)) if key in mine]
        assert found == ["TRIAL", "REGISTRY", "HEART-BLOCK"], params
    younger = [key for key in _keys(_search({"q": "lupus", "age": "30"})) if key in mine]
    assert younger[-1] == "TRIAL"


def test_a_search_for_older_people_ranks_the_trials_for_them_only_first(db):
    """ "studies for older people with lung cancer": the trial for patients of 70 and over
    ranks lower on its words and comes first; an age said alone ("my dad is 71") asks for the
    disease's trials, in the order of their words."""
    for key, title, min_age in [
        ("ADULTS", "Lung cancer: chemotherapy for lung cancer", 18),
        ("ELDERLY", "Chemotherapy for elderly patients with lung cancer", 70),
    ]:
        Trial.objects.create(
            key=key, record={}, title=title, min_age=min_age, conditions=["lung-cancer"]
        )
    mine = {"ADULTS", "ELDERLY"}
    asked = _search({"q": "chemotherapy studies for older people with lung cancer"})
    assert [key for key in _keys(asked) if key in mine] == ["ELDERLY", "ADULTS"]
    for params in ({"q": "lung cancer chemotherapy"}, {"q": "my dad is 71, lung cancer"}):
        assert next(key for key in _keys(_search(params)) if key in mine) == "ADULTS", params


def test_a_skin_problem_from_another_disease_s_treatment_is_what_is_asked(db, monkeypatch):
    """ "on tarceva for her lung cancer … a rash … its from the pills": the trials tagged with
    lung cancer do not come first; the rash's trial, which says more of the words, does."""
    Trial.objects.create(
        key="LUNG", record={}, title="A study of lung cancer", conditions=["lung-cancer"]
    )
    Trial.objects.create(
        key="RASH", record={}, title="A cream for the rash from lung cancer pills: rash gel"
    )
    typed = "my mum is on tarceva for her lung cancer and got a rash, its from the pills. a cream?"
    assert words.asks_about_side_effect(typed)
    assert [key for key in _keys(_search({"q": typed})) if key in {"LUNG", "RASH"}] == [
        "RASH",
        "LUNG",
    ]
    # Unread, the trial tagged with the disease named comes first.
    monkeypatch.setattr(words, "asks_about_side_effect", lambda text: False)
    cache.reset()
    assert next(key for key in _keys(_search({"q": typed})) if key in {"LUNG", "RASH"}) == "LUNG"


def test_the_pills_a_skin_problem_is_from_are_not_the_trials_asked(db):
    """ "on tarceva … a rash, its from the pills": a trial testing erlotinib is not listed
    before the rash's trial for naming the drug."""
    Trial.objects.create(
        key="ERLOTINIB", record={}, title="Erlotinib in lung cancer: rash", drugs=["erlotinib"]
    )
    Trial.objects.create(key="RASH", record={}, title="A cream for the rash from the pills: rash")
    typed = "my mum is on tarceva and got a rash, its from the pills. any cream for the rash?"
    found = [key for key in _keys(_search({"q": typed})) if key in {"ERLOTINIB", "RASH"}]
    assert found == ["RASH", "ERLOTINIB"]
    # Asked for, the drug's trial comes first.
    asked = _search({"q": "tarceva trials for the rash"})
    assert next(key for key in _keys(asked) if key in {"ERLOTINIB", "RASH"}) == "ERLOTINIB"


@pytest.mark.parametrize(
    ("typed", "drugs", "classes"),
    [
        ("keytruda studies", ["pembrolizumab"], []),
        ("checkpoint inhibitor trials for lung cancer", [], ["immune-checkpoint-inhibitors"]),
        # what the person had: a treatment the cancer progressed on
        (
            "anlotinib combo progressing after PD-1 inhibitors or after EGFR-TKI resistance",
            [],
            [],
        ),
        ("EGFR NSCLC, PD on 1L gefitinib - osimertinib trials?", ["osimertinib"], []),
        # what the people asked for are on
        ("irAE management studies for pts on immune checkpoint inhibitors", [], []),
        ("vaccine response in patients taking dupilumab", [], []),
        ("anyone using ruxolitinib cream for vitiligo", ["ruxolitinib"], []),
        ("EGFR NSCLC progressed after carboplatin, trying pembrolizumab", ["pembrolizumab"], []),
        ("NSCLC progressed after platinum chemotherapy - docetaxel trials?", ["docetaxel"], []),
        # a skin problem from a drug, another asked for
        ("my rash is from the pills, any dupilumab trials?", ["dupilumab"], []),
        ("on erlotinib and got a rash, its from the pills", [], []),
        ("dupilumab trials for kids", ["dupilumab"], []),
    ],
)
def test_a_treatment_had_or_taken_is_not_one_asked_to_be_tested(typed, drugs, classes):
    from trials.search.engine import _treatments_named

    assert _treatments_named(typed) == (drugs, classes)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("hair thinning, the doctor says its from the chemo", True),
        ("a rash caused by my new medication", True),
        ("my skin is itchy and it’s from the pills", True),
        ("I live far from the treatment center", False),
        ("side effects of methotrexate", False),
        # No skin problem: the disease named is what is asked.
        ("my insomnia is from the meds", False),
        ("depression caused by my medication", False),
        ("rheumatoid arthritis trials with fewer side effects from the pills", False),
        # A disease's own name, a reason to stop a treatment.
        ("drug-induced lupus trials", False),
        ("I quit benlysta because of the infusions, any lupus trials with pills?", False),
        ("allergic reaction to the infusion, other lupus options", False),
    ],
)
def test_a_skin_problem_from_a_treatment_is_read(typed, said):
    assert words.asks_about_side_effect(typed) is said


def test_a_cancer_searched_is_no_circumstance_its_own_trials_turn_away():
    """The trials about lung cancer exclude other cancers; for someone with lung cancer they
    are the trials asked for, not trials turning them away (engine._named_as, with the
    circumstance's own words); a disease named that is no cancer is not one."""
    from trials.search.engine import _named_as

    typed = "my dad has stage 4 lung cancer and lupus"
    (cancer,) = [said for said in words.excluded_circumstances(typed) if "cancer" in said.excluded]
    named = _named_as(typed, cancer.said)
    assert "lung-cancer" in named and "non-small-cell-lung-cancer" in named
    assert "systemic-lupus-erythematosus" not in named


def test_a_search_for_one_sex_ranks_the_trials_for_it_only_first(db):
    """The women-only trial ranks lower on its words; a search for women lists it first, then
    those for all; the men-only one is not open to women. A search for both sexes, or none,
    keeps the order of the words."""
    for key, title, sex in [
        ("ALL-1", "Morphea: morphea and morphea", Sex.ALL),
        ("UNSAID", "Morphea and morphea", None),
        ("WOMEN", "Morphea in pregnancy", Sex.FEMALE),
        ("MEN", "Morphea morphea in men", Sex.MALE),
    ]:
        Trial.objects.create(key=key, record={}, title=title, sex=sex)
    assert _keys(_search({"q": "morphea"}))[0] == "ALL-1"
    for params in ({"q": "morphea trials for women"}, {"q": "morphea", "sex": "female"}):
        assert _keys(_search(params)) == ["WOMEN", "ALL-1", "UNSAID"], params
    assert _keys(_search({"q": "morphea in men"}))[0] == "MEN"
    data = QueryDict("q=morphea&sex=female&sex=male")
    query, errors = parse(data)
    both = _keys(search(query))
    assert not errors and both[0] == "ALL-1" and set(both) == {"ALL-1", "UNSAID", "WOMEN", "MEN"}


# --- Whom the trial is for ("lupus trials for women", "eczema in elderly") -----------------


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        ("lupus trials for women", [("sex", "female")], "lupus trials for"),
        ("pregnant women with lupus", [("sex", "female")], "pregnant with lupus"),
        ("psoriasis in men", [("sex", "male")], "psoriasis in"),
        ("women's health", [("sex", "female")], "health"),
        ("adult psoriasis", [("age_group", "adult")], "psoriasis"),
        ("eczema in elderly", [("age_group", "older_adult")], "eczema in"),
        ("psoriasis older adults", [("age_group", "older_adult")], "psoriasis"),
        ("older women with lupus", [("sex", "female"), ("age_group", "older_adult")], "with lupus"),
        ("eczema in elderly patients", [("age_group", "older_adult")], "eczema in"),
        ("senior men psoriasis", [("sex", "male"), ("age_group", "older_adult")], "psoriasis"),
        (
            "kids and adults with eczema",
            [("age_group", "child"), ("age_group", "adult")],
            "with eczema",
        ),
    ],
)
def test_words_for_whom_a_trial_is_are_read_as_filters(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        ("my 8 year old has psoriasis", [("age", "8")], "my has psoriasis"),
        ("my 8-year-old has psoriasis", [("age", "8")], "my has psoriasis"),
        ("psoriasis aged 70", [("age", "70")], "psoriasis"),
        ("8yo eczema", [("age", "8")], "eczema"),
        ("eczema 8 y/o", [("age", "8")], "eczema"),
        ("15 yo with refractory lupus", [("age", "15")], "with refractory lupus"),
        # a clinician's shorthand: the age and the sex in capitals
        (
            "psoriasis pt 52M with NAFLD",
            [("age", "52"), ("sex", "male")],
            "psoriasis pt with NAFLD",
        ),
        ("45F SLE on pred", [("age", "45"), ("sex", "female")], "SLE on pred"),
        ("psoriasis 52m", [], "psoriasis 52m"),  # in lower case: minutes, metres, months
        ("eczema 18 months old", [("age", "1.5")], "eczema"),
        ("eczema for my 14 year old son", [("age", "14"), ("age_group", "child")], "eczema for my"),
        ("8 years of eczema", [], "8 years of eczema"),  # how long, not how old
        ("eczema 300 years old", [], "eczema 300 years old"),
        ("im 19 and my acne is back", [("age", "19")], "and my acne is back"),
        ("I'm 38 with lupus", [("age", "38")], "with lupus"),
        ("i am 60, psoriasis", [("age", "60")], "psoriasis"),
        ("im 20 weeks pregnant, lupus", [], "im 20 weeks pregnant, lupus"),  # weeks: no age
        # Other languages: the number and the word for years say an age, not how long
        ("mi hija de 8 años tiene eczema", [("age", "8"), *CHILD], "mi de tiene eczema"),
        ("доньці 8 років, атопічний дерматит", [("age", "8"), *CHILD], "атопічний дерматит"),
        ("8 éves lányom ekcéma", [("age", "8"), *CHILD], "ekcéma"),
        ("mio figlio ha 8 anni", [("age", "8"), *CHILD], "mio ha"),
        ("bé 8 tuổi bị chàm", [("age", "8")], "bé bị chàm"),
        ("psoriasis desde hace 8 años", [], "psoriasis desde hace 8 años"),
        ("seit 8 Jahren Neurodermitis", [], "seit 8 Jahren Neurodermitis"),
        ("Adalimumab hat 2 Jahre gut gewirkt", [], "Adalimumab hat 2 Jahre gut gewirkt"),
        ("Psoriasis, etwa 10 Jahre lang", [], "Psoriasis, etwa 10 Jahre lang"),
        ("8 años con psoriasis", [], "8 años con psoriasis"),
        ("tenho psoríase há 10 anos", [], "tenho psoríase há 10 anos"),
        ("tenho psoriase ha 10 anos", [], "tenho psoriase ha 10 anos"),
        ("eczéma il y a 10 ans", [], "eczéma il y a 10 ans"),
        ("psoriasi 10 anni fa", [], "psoriasi 10 anni fa"),
        ("mia figlia ha 8 anni", [("age", "8"), *CHILD], "mia ha"),
        ("94-AR-0194", [], "94-AR-0194"),  # an identifier, not 94 years (Swedish "år")
        ("我 女儿 8岁 湿疹", [("age", "8"), *CHILD], "我 湿疹"),
        ("어머니가 55세이신데 루푸스", [("age", "55")], "어머니가 루푸스"),
        # people over an age (session 54): the least of it
        ("psoriasis trials for pts over 75", [("age", "75")], "psoriasis trials for pts"),
        ("adults older than 70 with eczema", [("age", "70")], "adults with eczema"),
        ("patients over 100 kg psoriasis", [], "patients over 100 kg psoriasis"),
        ("lupus trials with over 50 patients", [], "lupus trials with over 50 patients"),
    ],
)
def test_a_persons_age_is_read_as_the_age_filter(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


@pytest.mark.django_db
def test_an_age_typed_keeps_the_trials_open_at_that_age(client):
    for key, low, high in [("CHILD", 2, 17), ("ADULT", 18, 65), ("ANY", None, None)]:
        Trial.objects.create(
            key=key,
            record={},
            title="Morphea study",
            min_age=low,
            max_age=high,
            conditions=["morphea"],
        )
    response = client.get("/", {"q": "morphea in my 8 year old"})
    # Those taking an 8-year-old first; few: then the others, and the page says so.
    assert [hit.key for hit in response.context["result"].trials] == ["CHILD", "ANY", "ADULT"]
    assert "2 trials take the age you said (“8 year old”)" in response.content.decode()
    chosen = client.get("/", {"q": "morphea", "age": "8"})
    assert [hit.key for hit in chosen.context["result"].trials] == ["CHILD", "ANY"]
    (understood,) = response.context["understood"]
    assert understood["sentence"] == "Showing trials open to people aged 8"


@pytest.mark.parametrize(
    "typed",
    ["Adult-onset Still disease", "adult onset still disease", "male pattern baldness"],
)
def test_a_word_of_a_conditions_name_is_not_read_as_whom(typed):
    assert _read(typed) == []


@pytest.mark.django_db
def test_women_typed_keep_the_trials_open_to_women(client):
    for key, sex in [("F-ONLY", "FEMALE"), ("M-ONLY", "MALE"), ("ALL", "ALL")]:
        Trial.objects.create(key=key, record={}, title="Morphea study", sex=sex)
    response = client.get("/", {"q": "morphea in women"})
    assert {hit.key for hit in response.context["result"].trials} == {"F-ONLY", "ALL"}
    (understood,) = response.context["understood"]
    assert understood["sentence"] == "Showing trials open to women"


# --- a treatment failure few trials ask for fills the list ----------------------------------------


@pytest.fixture
def dermatomyositis_trials(db):
    Trial.objects.create(
        key="DM-REF",
        record={},
        title="Dermatomyositis refractory to methotrexate",
        is_refractory=True,
        prior_therapies=["methotrexate", "immunosuppressants"],
    )
    for n in (1, 2):
        Trial.objects.create(key=f"DM-{n}", record={}, title=f"Dermatomyositis study {n}")
    Trial.objects.create(key="PSO-REF", record={}, title="Plaque psoriasis", is_refractory=True)


OURS = {"DM-REF", "DM-1", "DM-2", "PSO-REF"}


def _reference(**params) -> set[str]:
    data = _params(**params)
    return set(
        TrialFilterSet(data=data, queryset=Trial.objects.all()).qs.values_list("key", flat=True)
    )


@pytest.mark.django_db
def test_a_failure_few_trials_ask_for_lists_them_first_then_the_others(
    client, dermatomyositis_trials
):
    typed = "dermatomyositis not responding to methotrexate"
    result = search(parse(_params(q=typed))[0])
    keys = [hit.key for hit in result.trials if hit.key in OURS]
    assert keys[0] == "DM-REF" and set(keys) == {"DM-REF", "DM-1", "DM-2"}
    assert result.read_first is not None and result.read_first < result.count
    assert _reference(q=typed) & OURS == {"DM-REF", "DM-1", "DM-2"}
    assert len(_reference(q=typed)) == result.count  # the ORM reference fills alike
    html = client.get("/", {"q": typed}).content.decode()
    assert "listed first; after them, trials that do not ask it" in html or (
        "listed first; after it, trials that do not ask it" in html
    )
    body = client.get("/api/trials/", {"q": typed}).json()
    assert body["read_first"] == result.read_first and body["count"] == result.count
    # Chosen as parameters, the filters are kept whatever they leave.
    explicit = search(parse(_params(q="dermatomyositis", refractory="1"))[0])
    assert explicit.read_first is None
    assert {hit.key for hit in explicit.trials} & OURS == {"DM-REF"}


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # a place at the end of a clause, not only of the query
        ("lupus trials in Germany that are recruiting", [("recruiting", "1"), ("country", "DE")]),
        (
            "is there a lupus study in Texas that is recruiting",
            [("recruiting", "1"), ("region", "Texas")],
        ),
        ("any eczema trials in Boston for kids", [("age_group", "child"), ("near", "Boston")]),
        # a person's next clause begins after the place
        ("lupus, any studies in los angeles i could join?", [("near", "los angeles")]),
        ("psoriasis trials in seattle we can drive to", [("near", "seattle")]),
        ("psoriasis trials in France for adults", [("age_group", "adult"), ("country", "FR")]),
        # an age bound people say: under 18, over 65
        ("JDM trials that take under 18s", [("age_group", "child")]),
        ("lupus trials for over 65s", [("age_group", "older_adult")]),
        (
            "my mom has lupus. any study in Mexico? she is 60",
            [("age", "60"), ("country", "MX"), ("sex", "female")],
        ),
        # "en" is no town
        (
            "¿hay algún estudio en México que esté abierto?",
            [("recruiting", "1"), ("country", "MX")],
        ),
        # words typed in lower case that the gazetteer knows as towns are words
        ("eczema flares in summer", []),
        ("i got eczema in college", []),
        ("lupus rash in sun", []),
        ("lupus near me", []),
        # … nor with "the" (GeoNames has a town "The Neck"), a body part any case
        ("artificial disc replacement in the neck in the UK", [("country", "GB")]),
        ("back pain in the back of my head in the UK", [("country", "GB")]),
        ("psoriasis in the bronx", [("near", "the bronx")]),
        # … but a town by its own name, or any place after "near"
        ("psoriasis trials in boston", [("near", "boston")]),
        ("eczema near nyc", [("near", "nyc")]),
    ],
)
def test_places_are_read_at_the_end_of_each_clause(typed, read):
    assert _read(typed) == read


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        # how far the person would go: near the place, within what they said
        (
            "scleroderma trials within driving distance of Ann Arbor",
            [("near", "Ann Arbor"), ("within", "150")],
            "scleroderma trials",
        ),
        (
            "dermatomyositis trials 2 hours from Bethesda",
            [("near", "Bethesda"), ("within", "160")],
            "dermatomyositis trials",
        ),
        (
            "lupus studies within 50 miles of Denver",
            [("near", "Denver"), ("within", "80")],
            "lupus studies",
        ),
        (
            "eczema trials 30 min from Boston",
            [("near", "Boston"), ("within", "40")],
            "eczema trials",
        ),
        ("lupus 100km from Lyon", [("near", "Lyon"), ("within", "100")], "lupus"),
        # Czech, Polish: "do" (up to) a distance "od" (from) a place
        ("lupus do 100 km od Brno", [("near", "Brno"), ("within", "100")], "lupus"),
        (
            "hs trials not far from Cleveland",
            [("near", "Cleveland"), ("within", "150")],
            "hs trials",
        ),
        # an area, a ZIP code said so
        ("psoriasis trials in the Ann Arbor area", [("near", "Ann Arbor")], "psoriasis trials"),
        ("lupus trials in the Denver metro area", [("near", "Denver")], "lupus trials"),
        ("hidradenitis trials near zip 48109", [("near", "48109")], "hidradenitis trials"),
        # … "of" and "from" alone are no place's
        ("trials of dupilumab", [], "trials of dupilumab"),
        ("psoriasis from Boston", [], "psoriasis from Boston"),
        ("lupus not near Paris", [], "lupus not near Paris"),
    ],
)
def test_how_far_and_areas_are_read_with_the_place(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # where the person lives, mid-sentence, before the rest of what they say
        (
            "I live in Taichung, Taiwan and have had bad eczema since I was a kid. any trial?",
            [("near", "Taichung, Taiwan")],
        ),
        ("i live in boston and have eczema", [("near", "boston")]),
        ("I'm from Mobile and have lupus", [("near", "Mobile")]),
        ("we are based in Germany and have dermatomyositis", [("country", "DE")]),
        ("I live in PA and have psoriasis, any trials?", [("region", "Pennsylvania")]),
        ("Ich wohne in Köln und habe Schuppenflechte", [("near", "Köln")]),
        # a place said at a clause's end first; lower-case words no town
        ("I live in Boston but want lupus trials near Denver", [("near", "Denver")]),
        ("i live in fear of my psoriasis flaring", []),
        ("living in pain with hidradenitis", []),
    ],
)
def test_where_a_person_lives_is_read_wherever_it_is_said(typed, read):
    assert _read(typed) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # a full stop of an abbreviation ends no clause (read "St" as Sète, France)
        ("eczema in St. Louis", []),
        ("lupus in N.Y.", []),
        # a place said not to be where
        ("lupus not in Spain", []),
        ("lupus outside Spain", []),
        ("lupus anywhere but Spain", []),
        ("lupus biologic available in Europe but not in the US", []),
        ("psoriasis not near Paris", []),
        ("neither recruiting nor completed lupus", []),
        # a country in a name
        ("balsam of Peru", []),
        ("Lupus Foundation of America", []),
        ("日本脑炎", []),  # Japanese encephalitis: no disease the vocabulary names after Japan
        # a disease the vocabulary names is the patient's, no place ("SLE": Sleaford's code)
        ("cutaneous vasculitis in SLE", []),
        ("itch in AD", []),
        ("uveitis in JIA", []),
        # months, and words and body parts the gazetteer knows as towns
        ("eczema started in March", []),
        ("acne in august", []),
        ("psoriasis near nails", []),
        ("rash near toe", []),
        # a big city by another name after "near"; lists joined in other languages
        ("eczema near nyc", [("near", "nyc")]),
        (
            "vitiligo en Francia, Italia y Alemania",
            [("country", "FR"), ("country", "IT"), ("country", "DE")],
        ),
        ("lupus in Spain and phase 3", [("phase", "PHASE3"), ("country", "ES")]),
    ],
)
def test_what_the_hostile_round_misread(typed, read):
    assert _read(typed) == read


def test_a_query_of_many_clauses_reads_only_its_last_ones():
    """250 one-letter clauses took 0.85 s when every clause was read (MAX_CLAUSES)."""
    typed = "!".join("x" * 1 for _ in range(240)) + " lupus in Spain"
    words = readings._words(typed, readings.Vocabulary.default())
    assert len(readings._clause_ends(words)) == readings.MAX_CLAUSES
    assert ("country", "ES") in _read(typed)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("eczema my son is 17 and I am 45", [("age", "17"), ("sex", "male")]),  # the first age
        ("eczema my baby is 6 months", [("age", "0.50")]),
        ("lupus aged 12 months", [("age", "1")]),
        ("eczema started at age 8", []),  # when, not how old
        ("since age 8, now 30", []),
        ("she is 0", []),
    ],
)
def test_ages_as_the_hostile_round_typed_them(typed, read):
    assert _read(typed) == read


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        # the words outside a quoted phrase or an excluded word are read; those are not
        ('"cutaneous lupus" in Spain', [("country", "ES")], '"cutaneous lupus"'),
        ("lupus -nephritis in Spain", [("country", "ES")], "lupus -nephritis"),
        ('"lupus in Spain"', [], '"lupus in Spain"'),
        ("lupus -Spain", [], "lupus -Spain"),
        ('"lupus in Spain', [], '"lupus in Spain'),  # an open quote runs to the end
    ],
)
def test_web_search_syntax_keeps_its_words_and_the_rest_is_read(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


@pytest.mark.django_db
def test_a_combined_phase_said_lists_the_trials_in_all_its_phases_first():
    # The better words first: without the combined phase, the phase 2 trial would lead.
    Trial.objects.create(key="P2", record={}, title="Rosacea rosacea rosacea", phases=["PHASE2"])
    Trial.objects.create(key="P23", record={}, title="Rosacea", phases=["PHASE2", "PHASE3"])
    Trial.objects.create(key="P3", record={}, title="Rosacea rosacea", phases=["PHASE3"])
    Trial.objects.create(key="P1", record={}, title="Rosacea", phases=["PHASE1"])
    # (the trial in another phase is not added: a phase let go adds only trials tagged with
    # the disease named, and these are tagged with none)
    assert _keys(_search({"q": "phase II/III rosacea"})) == ["P23", "P2", "P3"]
    # "or" is either: by the words alone
    assert _keys(_search({"q": "phase 2 or 3 rosacea"})) == ["P2", "P3", "P23"]


@pytest.mark.django_db
def test_someone_pregnant_sees_the_trials_that_turn_pregnant_women_away_last():
    away = {"criteria": {"inclusion": ["Adults"], "exclusion": ["Pregnant or nursing women"]}}
    Trial.objects.create(key="AWAY", record=away, title="Keloid keloid keloid pregnancy")
    Trial.objects.create(key="TAKES", record={}, title="Keloid cohort")
    assert _keys(_search({"q": "keloid"})) == ["AWAY", "TAKES"]
    assert _keys(_search({"q": "im pregnant and have keloids"})) == ["TAKES", "AWAY"]
    # … and someone breastfeeding, the trials that turn nursing women away
    assert _keys(_search({"q": "keloids, still breastfeeding my baby"})) == ["TAKES", "AWAY"]
    assert _keys(_search({"q": "keloid on my arm from the nursing home"})) == ["AWAY", "TAKES"]


@pytest.mark.django_db
def test_a_cancer_spread_to_the_brain_sees_the_trials_about_it_first_and_excluding_it_last(
    monkeypatch,
):
    """ "lung cancer … spread to her brain, 3 spots": the lung cancer trials about brain
    metastases first, those excluding them last; so too when more trials match the words than
    engine.AWAY_ROWS_MAX, whose criteria are then read in the leading tiers only (the trials
    about the disease named, where the first pages come from)."""
    away = {"criteria": {"exclusion": ["Untreated or symptomatic brain metastases"]}}
    stable = {"criteria": {"inclusion": ["Stable brain metastases allowed"]}}
    lung = {"conditions": ["non-small-cell-lung-cancer"], "text_terms": "NSCLC lung cancer"}
    Trial.objects.create(key="AWAY", record=away, title="Lung cancer lung cancer drug", **lung)
    Trial.objects.create(key="PLAIN", record={}, title="Lung cancer cohort", **lung)
    Trial.objects.create(key="BM", record={}, title="Radiotherapy for BM from lung cancer", **lung)
    Trial.objects.create(key="TAKES", record=stable, title="Lung cancer tablet", **lung)
    for n in range(3):  # trials with the other words only, no lung cancer trials
        Trial.objects.create(key=f"OTHER-{n}", record=away, title="A new drug for her spots")
    typed = "her lung cancer spread to her brain, 3 spots. any trial of a new drug?"
    found = _keys(_search({"q": typed}))
    assert found[0] == "BM" and set(found[1:3]) == {"PLAIN", "TAKES"} and found[3] == "AWAY"
    assert len(found) > 8  # the seed trials have some of the words too
    monkeypatch.setattr(engine, "AWAY_ROWS_MAX", 8)  # the 4 tagged are read
    cache.reset()
    assert _keys(_search({"q": typed}))[:4] == found[:4]
    assert _keys(_search({"q": "her lung cancer, 3 spots. any trial of a new drug?"}))[0] == "AWAY"
    for said in (
        "brain mets",
        "NSCLC with mets to the brain",
        "metastatic to the brain lung cancer",
        "brain and bone mets",
        "breast cancer with metastases to the brain",
        "cancer spread to the liver and brain",
        "her cancer has spread into the brain",
        "leptomeningeal disease",
        "metastasi cerebrali",
        "脑转移",
    ):
        assert _circumstance_read(said, "brain metast"), said
    for said in (
        "brain fog from lupus",
        "a brain MRI",
        "spread to her liver",
        "brain tumor trials",
        "glioblastoma brain tumour",
        "MS with new brain lesions",
        "white spots on my brain MS",
        "the infection spread to his brain",
        "lupus that spread to my brain",
    ):
        assert not _circumstance_read(said, "brain metast"), said


@pytest.mark.django_db
def test_someone_pregnant_or_nursing_sees_the_trials_made_for_them_first():
    """A study of a disease in pregnancy before the disease's other trials, for someone
    pregnant in any of the languages read ("je suis enceinte"); one whose criteria turn
    pregnant women away all the same is not made for them."""
    away = {"criteria": {"exclusion": ["Pregnant or nursing women"]}}
    Trial.objects.create(key="KELOID", record={}, title="Keloid keloid keloid cohort")
    Trial.objects.create(key="PREGNANT", record={}, title="Keloids in pregnancy")
    Trial.objects.create(key="AFTER", record={}, title="Keloid after childbirth: postpartum study")
    Trial.objects.create(key="NOT", record=away, title="Keloid keloid pregnancy outcomes")
    assert _keys(_search({"q": "keloid"}))[0] == "KELOID"
    assert _keys(_search({"q": "im pregnant and have keloids"})) == [
        "PREGNANT",
        "AFTER",
        "KELOID",
        "NOT",
    ]
    assert _keys(_search({"q": "j'ai une chéloïde keloid et je suis enceinte"}))[:2] == [
        "PREGNANT",
        "AFTER",
    ]
    assert _keys(_search({"q": "keloids, still breastfeeding"}))[0] == "AFTER"


@pytest.mark.django_db
def test_someone_with_mild_disease_sees_the_trials_for_severe_disease_last():
    """ "my eczema is pretty mild": the trials asking for moderate to severe disease (in words
    or a score past the mild: EASI ≥16, ≥10% of the body) after the others, a trial for mild
    disease first; "mild side effects" says nothing of the disease."""
    severe = {"criteria": {"inclusion": ["Moderate-to-severe chronic disease"]}}
    scored = {"criteria": {"inclusion": ["Have EASI ≥16 at baseline"]}}
    wide = {"criteria": {"inclusion": ["≥10% body surface area (BSA) of involvement"]}}
    Trial.objects.create(key="SEVERE", record=severe, title="Keloid keloid keloid biologic")
    Trial.objects.create(key="SCORED", record=scored, title="Keloid keloid keloid tablet")
    Trial.objects.create(key="WIDE", record=wide, title="Keloid keloid keloid cream")
    Trial.objects.create(key="ANY", record={}, title="Keloid cohort")
    Trial.objects.create(key="MILD", record={}, title="Mild to moderate keloids: a gel")
    assert _keys(_search({"q": "keloid"})) == ["SEVERE", "SCORED", "WIDE", "ANY", "MILD"]
    mild = _keys(_search({"q": "my keloids are pretty mild"}))
    assert mild[:2] == ["MILD", "ANY"] and set(mild[2:]) == {"SEVERE", "SCORED", "WIDE"}
    assert _keys(_search({"q": "keloid with mild side effects"}))[-1] == "ANY"


@pytest.mark.django_db
def test_someone_seronegative_sees_the_trials_for_the_seropositive_last():
    positive = {"criteria": {"inclusion": ["Rheumatoid factor or anti-CCP positive"]}}
    Trial.objects.create(key="POSITIVE", record=positive, title="Keloid keloid keloid drug")
    Trial.objects.create(key="ANY", record={}, title="Keloid cohort")
    assert _keys(_search({"q": "keloid"})) == ["POSITIVE", "ANY"]
    assert _keys(_search({"q": "keloid, seronegative"})) == ["ANY", "POSITIVE"]
    assert _keys(_search({"q": "keloid, Rheumafaktor und Anti-CCP negativ"})) == ["ANY", "POSITIVE"]


@pytest.mark.django_db
def test_someone_who_had_a_cancer_sees_the_trials_that_allow_it_first_and_those_refusing_it_last():
    """ "had colon cancer 7 years ago": a trial turning away a cancer only within 5 years, or
    only an active one, first; one turning away anyone who ever had one last; another kind's
    exclusion ("history of lymphoma") says nothing. Two years ago, the 5-year window turns the
    person away too; a relative's cancer is not the person's."""

    def exclusion(*items):
        return {"criteria": {"inclusion": ["Adults"], "exclusion": list(items)}}

    Trial.objects.create(
        key="EVER", record=exclusion("History of malignancy"), title="Keloid keloid keloid"
    )
    Trial.objects.create(key="SILENT", record={}, title="Keloid keloid")
    Trial.objects.create(
        key="FIVE",
        record=exclusion("History of lymphoma", "Malignancy within the past 5 years"),
        title="Keloid",
    )
    Trial.objects.create(
        key="ACTIVE", record=exclusion("Active or untreated cancer"), title="Keloid cohort"
    )
    assert _keys(_search({"q": "keloid"})) == ["EVER", "SILENT", "FIVE", "ACTIVE"]
    seven = _keys(_search({"q": "keloids, i had colon cancer 7 years ago and am clear since"}))
    assert set(seven[:2]) == {"FIVE", "ACTIVE"} and seven[2:] == ["SILENT", "EVER"]
    two = _keys(_search({"q": "keloids, i had colon cancer 2 years ago and am clear since"}))
    assert two[:2] == ["ACTIVE", "SILENT"] and set(two[2:]) == {"EVER", "FIVE"}
    relative = _keys(_search({"q": "keloid and my dad had melanoma"}))
    assert relative == ["EVER", "SILENT", "FIVE", "ACTIVE"]


@pytest.mark.parametrize(
    ("typed", "years", "skin", "kind"),
    [
        ("i had colon cancer 7 years ago - ive been clear since", 7, False, "colon"),
        (
            "breast cancer treated 3 yrs ago - trials that allow prior malignancy",
            3,
            False,
            "breast",
        ),
        ("had MALT lymphoma 4 years ago, in remission", 4, False, "lymphoma"),
        ("hx of excised BCC - trials that allow treated skin cancer", None, True, "skin"),
        ("lupus, cancer-free for six years", 6, False, None),
        ("my son beat leukaemia as a kid", None, False, "leukemia"),
    ],
)
def test_a_cancer_had_and_gone_is_read(typed, years, skin, kind):
    assert words.cancer_had(typed) == words.CancerHad(years, skin, kind)
    assert not words.excluded_circumstances(typed)  # no cancer the person has now


@pytest.mark.parametrize(
    "typed",
    [
        "skin cancer",
        "my dad had melanoma",
        "they found his prostate cancer",
        "basal cell carcinoma",
    ],
)
def test_no_cancer_had_and_gone_is_read_where_none_is_said(typed):
    assert words.cancer_had(typed) is None


@pytest.mark.parametrize(
    ("typed", "excluded"),
    [
        ("dermatomyositis and i keep getting shingles", "zoster|shingles|recurrent"),
        ("DM + Hashimoto's thyroiditis on levothyroxine", "thyroid"),
        ("shingles vaccine in lupus", None),
    ],
)
def test_shingles_and_thyroid_disease_lived_with_are_read(typed, excluded):
    found = [c.excluded for c in words.excluded_circumstances(typed)]
    assert found == ([] if excluded is None else [found[0]]) and (
        excluded is None or found[0].startswith(excluded)
    )


@pytest.mark.parametrize(
    "typed",
    ["melanoma-" * 110, "had " * 240 + "cancer", "cancer " * 150 + "ago", "no SLE, " * 120],
)
def test_hostile_input_is_read_for_a_cancer_had_quickly(typed):
    # (a hyphen both inside and between words once made the reading's backtracking exponential)
    words.cancer_had(typed)
    words.negated_conditions(typed)


@pytest.mark.parametrize(
    ("item", "had", "fate"),
    [
        ("Malignancy within the past 5 years", words.CancerHad(7, False, "colon"), "welcome"),
        ("Malignancy within the past five (5) years", words.CancerHad(3, False), "away"),
        ("Malignancy within the past 5 years", words.CancerHad(None, False), "away"),
        ("Malignancy within the past 5 years", words.CancerHad(None, True, "skin"), None),
        ("Any history of malignancy", words.CancerHad(None, False), "away"),
        ("Pre-existing lymphoma", words.CancerHad(4, False, "lymphoma"), "away"),
        ("Pre-existing lymphoma", words.CancerHad(4, False, "breast"), None),
        ("No history of breast cancer", words.CancerHad(4, False, "lymphoma"), None),
        ("Active malignancy", words.CancerHad(1, False), "welcome"),
        (
            "Prior malignancy except adequately treated basal cell carcinoma",
            words.CancerHad(None, True, "skin"),
            "welcome",
        ),
        ("Use of anti-cancer drugs within 4 weeks", words.CancerHad(2, False), None),
    ],
)
def test_what_criteria_say_to_someone_who_had_a_cancer(item, had, fate):
    assert words.cancer_fate({"exclusion": [item]}, had) == fate


@pytest.mark.django_db
def test_the_trials_about_a_disease_the_person_says_they_do_not_have_come_last():
    """ "discoid lupus only in the skin, not systemic lupus", "sin lupus sistémico": the
    trials about systemic lupus (and not the disease named) after the others."""
    Trial.objects.create(
        key="SLE",
        record={},
        title="Keloid keloid keloid and lupus",
        conditions=["systemic-lupus-erythematosus"],
    )
    Trial.objects.create(key="ANY", record={}, title="Keloid cohort")
    assert _keys(_search({"q": "keloid"})) == ["SLE", "ANY"]
    assert _keys(_search({"q": "keloid, not systemic lupus"})) == ["ANY", "SLE"]
    assert _keys(_search({"q": "queloide keloid, sin lupus sistémico"})) == ["ANY", "SLE"]
    assert words.negated_conditions("discoid lupus without lupus nephritis") == ("lupus-nephritis",)
    # "no" before a disease denies it when the sentence moves on after it
    assert _keys(_search({"q": "keloid, biopsy confirmed, no SLE. any studies?"})) == ["ANY", "SLE"]
    assert words.negated_conditions("lupus with no lupus nephritis or kidney involvement") == (
        "lupus-nephritis",
    )
    assert words.negated_conditions("no psoriasis treatment has worked") == ()


@pytest.mark.django_db
def test_someone_with_a_cancer_now_sees_the_trials_that_turn_it_away_last():
    """ "my dad got dermatomyositis after they found his prostate cancer": the trial excluding
    malignancy after the one that does not; a skin cancer treated long ago asks nothing."""
    away = {"criteria": {"exclusion": ["History of malignancy within 5 years"]}}
    Trial.objects.create(key="AWAY", record=away, title="Morphea morphea morphea study")
    Trial.objects.create(key="TAKES", record={}, title="Morphea cohort")
    assert _keys(_search({"q": "morphea"})) == ["AWAY", "TAKES"]
    for typed in (
        "my dad has morphea, they found his prostate cancer last year",
        "morphea trials that take someone who also has cancer",
        "morphea in cancer survivors",
    ):
        assert _keys(_search({"q": typed})) == ["TAKES", "AWAY"], typed
    assert _keys(_search({"q": "morphea, had a basal cell carcinoma removed"}))[0] == "AWAY"


@pytest.mark.django_db
def test_someone_living_with_another_disease_sees_the_trials_that_turn_it_away_last():
    """ "HIV positive, undetectable … my eczema": the eczema trial excluding HIV after the one
    that does not; a trial about HIV (not eczema) goes with those turning the person away; a
    trial whose inclusion criteria take it stays first; "HIV" alone, or a disease joined to
    the circumstance's name ("SSc-ILD"), asks nothing of the criteria."""
    away = {"criteria": {"exclusion": ["Known HIV infection or hepatitis B"]}}
    takes = {"criteria": {"inclusion": ["People living with HIV on stable antiretrovirals"]}}
    eczema = ["atopic-dermatitis"]
    Trial.objects.create(
        key="AWAY", record=away, title="Eczema eczema eczema study", conditions=eczema
    )
    Trial.objects.create(key="TAKES", record={}, title="Eczema cohort", conditions=eczema)
    Trial.objects.create(
        key="WELCOME", record=takes, title="Eczema eczema registry", conditions=eczema
    )
    Trial.objects.create(key="HIV", record={}, title="HIV eczema eczema eczema outcomes")
    assert _keys(_search({"q": "eczema"})) == ["AWAY", "WELCOME", "TAKES", "HIV"]
    typed = "HIV positive, undetectable on biktarvy, and my eczema got really severe"
    listed = _keys(_search({"q": typed}))
    assert listed[:2] == ["WELCOME", "TAKES"] and set(listed[2:]) == {"HIV", "AWAY"}
    hepatitis = _keys(_search({"q": "eczema study for someone with hep B"}))
    assert hepatitis[:3] == ["WELCOME", "TAKES", "AWAY"]
    # a hepatitis B had and gone: the trials excluding its antibodies, not an active one
    assert _keys(_search({"q": "eczema, resolved hep B (HBsAg neg)"}))[0] == "AWAY"
    # a kidney function to meet turns away someone on dialysis
    limit = {"criteria": {"text": "Serum creatinine greater than 2.0 mg/dL is not eligible."}}
    Trial.objects.create(
        key="LIMIT", record=limit, title="Eczema eczema eczema trial", conditions=eczema
    )
    plain = _keys(_search({"q": "eczema"}))
    assert plain.index("LIMIT") < plain.index("TAKES")
    on_dialysis = _keys(_search({"q": "eczema study for someone on dialysis"}))
    assert on_dialysis.index("LIMIT") > on_dialysis.index("TAKES")


@pytest.mark.parametrize(
    ("typed", "excluded"),
    [
        ("HIV positive, undetectable", r"\yHIV\y|human immunodeficiency|\yAIDS\y"),
        ("lupus and im on dialysis three times a week", "dialy"),
        ("psoriasis pt with CKD 3 (Cr 1.9)", None),  # meets most kidney limits
        ("tengo artritis y me pusieron un stent por un infarto", "myocardial"),
        ("my 9 year old has eczema and uses a flovent inhaler", "asthma"),
        ("DM with stable ILD (NSIP on HRCT)", "interstitial lung"),
        ("scleroderma and ive been really depressed, on sertraline", r"\ydepress"),
        ("Schuppenflechte und Hepatitis-B-Träger (HBsAg positiv)", "hepatit"),
        ("refractory DM, resolved hep B (HBsAg neg, anti-HBc pos)", "anti.?HBc"),
        ("dermatomiositis con hepatitis C curada (RVS)", "HCV"),
        ("CTD-ILD!!! SSC-ILD / RA-ILD -- any lung studies", None),  # the kind searched
        ("HIV-negative partner", None),
        ("lupus trials in Michigan, MI", None),
    ],
)
def test_what_a_person_lives_with_is_read(typed, excluded):
    said = words.excluded_circumstances(typed)
    if excluded is None:
        assert not said
    else:
        assert [c.excluded.startswith(excluded) for c in said] == [True], typed


@pytest.mark.django_db
def test_the_trials_about_an_organ_the_disease_spares_come_last():
    """ "lupus thats mostly rashes and achy joints - my kidneys are fine": the lupus nephritis
    trial after the others, though its words rank it first."""
    Trial.objects.create(
        key="NEPHRITIS",
        record={},
        title="Lupus lupus: lupus nephritis",
        conditions=["lupus-nephritis", "systemic-lupus-erythematosus"],
    )
    Trial.objects.create(
        key="SLE", record={}, title="A lupus study", conditions=["systemic-lupus-erythematosus"]
    )

    def mine(typed: str) -> list[str]:
        return [key for key in _keys(_search({"q": typed})) if key in {"NEPHRITIS", "SLE"}]

    assert mine("lupus") == ["NEPHRITIS", "SLE"]
    for typed in (
        "lupus, mostly rashes - my kidneys are fine",
        "lupus with no kidney involvement",
        "high ANA and dsDNA in lupus, no rash, kidneys normal",  # no verb
        "lupus, my kidney function is normal",
    ):
        assert mine(typed) == ["SLE", "NEPHRITIS"], typed
    assert words.organs_spared("my lungs are ok but my lupus kidneys are not") == (
        "interstitial-lung-disease",
    )


@pytest.mark.django_db
def test_criteria_that_turn_pregnant_women_away_as_a_condition_to_meet_count_too():
    """Old records' criteria are one text, with no exclusion part ("No pregnant or nursing
    women"); newer ones ask for a negative pregnancy test among the inclusion criteria."""
    one_text = {"criteria": {"text": "PATIENT CHARACTERISTICS: No pregnant or nursing women"}}
    tested = {
        "criteria": {
            "inclusion": ["Women of childbearing potential with a negative urine pregnancy test"]
        }
    }
    welcome = {"criteria": {"inclusion": ["Pregnant women with scleroderma"]}}
    Trial.objects.create(key="TEXT", record=one_text, title="Scleroderma scleroderma trial")
    Trial.objects.create(key="TEST", record=tested, title="Scleroderma scleroderma study")
    Trial.objects.create(key="WELCOME", record=welcome, title="Scleroderma registry")
    assert _keys(_search({"q": "scleroderma"}))[-1] == "WELCOME"
    assert _keys(_search({"q": "i have scleroderma and im pregnant"}))[0] == "WELCOME"
    assert _keys(_search({"q": "scleroderma, breastfeeding"})) == ["TEST", "WELCOME", "TEXT"]


@pytest.mark.parametrize(
    ("typed", "asked", "refused"),
    [
        (
            "arthritis study with pills instead of shots or infusions",
            {"oral"},
            {"infused", "injected"},
        ),
        ("is there a cream for discoid lupus? dont want more pills", {"topical"}, {"oral"}),
        ("psoriasis as an iv infusion, i cant inject myself", {"infused"}, {"injected"}),
        ("no needles please, lupus", set(), {"infused", "injected"}),
        (
            "ya no aguanto más sueros ni inyecciones, ¿algún estudio con pastillas?",
            {"oral"},
            {"infused", "injected"},
        ),
        # a refusal's list ends with its clause: a route after a comma and other words is asked
        (
            "dont want pills or injections, are there cream trials?",
            {"topical"},
            {"oral", "injected"},
        ),
        ("no pills, shots or creams", set(), {"oral", "injected", "topical"}),
        # a route said of what failed asks for none
        ("my psoriasis creams do nothing anymore", set(), set()),
        # a few keywords ask for any route among them; not one said to fail, nor the way a
        # drug named is given (its trials come first)
        ("psoriasis pills", {"oral"}, set()),
        ("vitiligo cream recruiting", {"topical"}, set()),
        ("eczema cream not working", set(), set()),
        ("LN induction IV CYC", set(), set()),
        ("oral lichen planus", set(), set()),
        ("stage iv melanoma", set(), set()),
        ("class IV lupus nephritis", set(), set()),
        ("psoriasis pills?", {"oral"}, set()),
        ("eczema cream nothing works", set(), set()),
    ],
)
def test_how_a_treatment_is_taken_is_read_as_asked_or_refused(typed, asked, refused):
    assert words.routes_asked(typed) == (frozenset(asked), frozenset(refused))


@pytest.mark.django_db
def test_a_route_asked_for_lists_the_trials_given_so_first_and_the_refused_last():
    def trial(key, given):
        record = {"interventions": [{"name": "Drug X", "description": given}]}
        Trial.objects.create(key=key, record=record, title="Keloid keloid study " + key)

    trial("PILL", "Taken orally as tablets once a day")
    trial("SHOT", "Subcutaneous injection every two weeks")
    trial("OTHER", "Laser sessions")
    found = _keys(_search({"q": "keloid study with pills instead of injections"}))
    assert found[0] == "PILL" and found[-1] == "SHOT"
    found = _keys(_search({"q": "keloid study, no needles"}))
    assert found[-1] == "SHOT"


@pytest.mark.django_db
def test_a_route_asked_for_reads_how_the_drugs_tested_are_given_when_the_records_do_not():
    """drugs.json `routes`: tafamidis is a pill, adalimumab an injection, methotrexate either;
    a trial testing only drugs given so is given so, whatever its record says of it."""
    for key, drugs in [("TAFA", ["tafamidis"]), ("ADA", ["adalimumab"]), ("MTX", ["methotrexate"])]:
        Trial.objects.create(key=key, record={}, title="Keloid keloid study " + key, drugs=drugs)
    assert _keys(_search({"q": "keloid study with pills"}))[0] == "TAFA"
    assert _keys(_search({"q": "keloid study, no needles please"}))[-1] == "ADA"
    assert _keys(_search({"q": "keloid study as an injection"}))[0] == "ADA"


@pytest.mark.django_db
def test_routes_asked_together_order_the_list_in_one_order_in_every_process():
    """ "a pill or an infusion": the pills first, then the infusions, in words.ROUTES' order,
    not a set's (which varies between processes: the same search ordered two ways)."""
    for key, drugs in [("DRIP", ["infliximab"]), ("PILL", ["tafamidis"]), ("ADA", ["adalimumab"])]:
        Trial.objects.create(key=key, record={}, title="Keloid keloid study " + key, drugs=drugs)
    found = _keys(_search({"q": "keloid study, is there a pill or an iv infusion"}))
    assert [key for key in found if key in {"DRIP", "PILL", "ADA"}] == ["PILL", "DRIP", "ADA"]


def test_every_drug_s_routes_are_routes_the_search_reads():
    known = words.drug_routes()
    assert known["tafamidis"] == {"oral"} and known["methotrexate"] == {"oral", "injected"}
    assert set().union(*known.values()) == set(words.ROUTES)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # Arabic: its own digits, its word for years
        ("عمري ٢٨ عامًا وعندي إكزيما شديدة", [("age", "28")]),
        ("عمري ٢٨ سنة وعندي إكزيما", [("age", "28")]),
        # Hindi: a word keeps its vowel signs ("साल" was "स ल", a name of Seoul's; "मेरी" had
        # "म", one of Mau's)
        ("मेरी बेटी 8 साल की है और उसे एक्जिमा है", [("age", "8"), ("age_group", "child")]),
        ("मुझे 10 साल से सोरायसिस है", []),  # for ten years: how long, no age
        ("मुंबई में सोरायसिस ट्रायल", [("near", "Mumbai, IN")]),
    ],
)
def test_words_with_marks_are_whole_words(typed, read):
    assert [(r.parameter, r.value) for r in readings.read(typed)] == read


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("juvenile arthritis studies for teenagers 13 to 17", ["13 to 17"]),
        ("eczema trials ages 6-12", ["ages 6-12"]),
        ("between 2 and 11 years old with psoriasis", ["between 2 and 11 years old"]),
        ("kids 6-12 eczema", ["6-12"]),
        ("phase 2 to 3 lupus", []),  # no age
        ("12 to 16 weeks treatment", []),  # a time
        ("PASI 75 to 90", []),
        ("lupus 18-65", []),  # no word for ages: left as typed
    ],
)
def test_a_range_of_ages_is_no_search_word(typed, said):
    assert [typed[start:end] for start, end in readings.asides(typed)] == said


@pytest.mark.parametrize(
    ("typed", "age"),
    [
        ("our son is in 8th grade and has GVHD", "13"),
        ("3rd-grader with eczema", "8"),
        ("Unsere Tochter geht in die 3. Klasse und hat Vitiligo", "8"),
        ("중학교 2학년 아들이 아토피", "14"),
        ("小学6年生の息子が若年性特発性関節炎", "11"),
    ],
)
def test_a_school_year_is_a_childs_age(typed, age):
    assert ("age", age) in _read(typed)


def test_a_diseases_grade_is_no_school_year():
    assert _read("grade 3 GVHD") == []
    assert ("age", "8") in _read("my 8 year old in 3rd grade")  # the age said wins


def test_a_word_in_other_letters_that_names_no_place_is_no_place():
    """ "ألم" (pain) is also one of Ulm's names: lay_terms.json `not_places` holds it."""
    typed = "ابنتي عمرها 12 سنة، عندها ألم في المفاصل. هل يمكنها الانضمام الآن؟"
    found = _read(typed)
    assert not any(parameter == "near" for parameter, _ in found)
    assert ("recruiting", "1") in found


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("lupus Germany studies", [("country", "DE")]),
        ("lupus in France clinical trials", [("country", "FR")]),
        ("psoriasis Türkiye çalışmalar", [("country", "TR")]),
        (
            "lomber disk hernisi Türkiye tamamlanan çalışmalar",
            [("status", "COMPLETED"), ("country", "TR")],
        ),
        ("afgeronde psoriasis onderzoeken", [("status", "COMPLETED")]),  # Dutch
        ("eczema trials", []),
    ],
)
def test_a_country_before_the_words_for_trials_is_read(typed, read):
    """The words for trials after a place stay search words; the place is read."""
    assert _read(typed) == read


@pytest.mark.django_db
def test_a_kind_of_study_typed_that_no_trial_is_lists_the_others_after(client):
    """ "a registry that follows women with ankylosing spondylitis": no such trial is
    observational; the interventional ones about it follow (not nothing), the page says so,
    and the API agrees. Chosen as a parameter, the study type filters."""
    for key in ("AS-1", "AS-2"):
        Trial.objects.create(
            key=key,
            record={},
            title="Ankylosing spondylitis study",
            study_type="INTERVENTIONAL",
            conditions=["axial-spondyloarthritis"],
        )
    Trial.objects.create(
        key="OBS-PSO", record={}, title="Psoriasis registry", study_type="OBSERVATIONAL"
    )
    typed = "is there a registry that follows people with ankylosing spondylitis"
    response = client.get("/", {"q": typed})
    result = response.context["result"]
    assert {hit.key for hit in result.trials} == {"AS-1", "AS-2"} and result.read_first == 0
    assert "No trial meets all you said (“registry”)" in response.content.decode()
    assert client.get("/api/trials/", {"q": typed}).json()["count"] == result.count
    chosen = client.get("/", {"q": "ankylosing spondylitis", "study_type": "OBSERVATIONAL"})
    assert chosen.context["result"].count == 0


@pytest.mark.django_db
def test_an_age_no_trial_takes_in_a_relaxed_sentence_lets_the_others_follow(client):
    """ "im 95 … anything new": no keloid trial takes 95-year-olds and none has every word;
    the others about it are listed (an age let go when it leaves nothing), and the API
    agrees."""
    for key in ("K-1", "K-2"):
        Trial.objects.create(
            key=key,
            record={},
            title="Keloid keloid study",
            conditions=["keloid"],
            min_age=18,
            max_age=65,
        )
    typed = "im 95 and my keloid scars itch at night, anything new for that"
    result = client.get("/", {"q": typed}).context["result"]
    assert {hit.key for hit in result.trials} >= {"K-1", "K-2"}
    assert client.get("/api/trials/", {"q": typed}).json()["count"] == result.count


def test_a_dutch_sentence_s_place_status_and_failure_are_read():
    typed = (
        "Ik heb lupus. Plaquenil en prednison helpen niet genoeg. Is er een studie in de buurt"
        " van Antwerpen die binnenkort begint?"
    )
    read = _read(typed)
    assert ("recruiting", "1") in read and ("refractory", "1") in read
    assert ("prior_therapy", "prednisone") in read
    assert [r for r in read if r[0] == "near"], read


def test_a_paragraph_longer_than_500_characters_is_read(settings):
    """A patient's paragraph (SEARCH_QUERY_MAX_CHARS): its place and age are read too."""
    typed = "my lupus rash on my face and arms, plaquenil did nothing for years. " * 8
    typed += "im 41, any lupus study near Bethesda?"
    assert 500 < len(typed) <= settings.SEARCH_QUERY_MAX_CHARS
    read = _read(typed)
    assert ("age", "41") in read and [r for r in read if r[0] == "near"], read


@pytest.mark.parametrize(
    ("typed", "failed"),
    [
        ("我妈妈系统性红斑狼疮十几年了，羟氯喹吃了一年多也没用。", "hydroxychloroquine"),
        ("アトピーで、デュピクセントを1年以上使いましたが効かなくなりました。", "dupilumab"),
    ],
)
def test_a_failure_said_in_chinese_or_japanese_with_words_between_is_read(typed, failed):
    """The verbs and times between the drug and the failure are cut as words of their own;
    numbers alone between are still at most three, in any language."""
    assert ("prior_therapy", failed) in _read(words.spaced(typed))
    assert not _read("methotrexate 10 20 30 40 didnt work")


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # "pediatric studies say im too old": 24 and an adult, not a child too
        (
            "im 24 with JIA, pediatric studies say im too old. anything for adults?",
            [("age", "24"), ("age_group", "adult")],
        ),
        (
            "my 70 year old mom, older adults lupus trials",
            [("age", "70"), ("age_group", "older_adult")],
        ),
        ("my 14-year-old son, kids eczema", [("age", "14"), *CHILD]),
    ],
)
def test_an_age_said_drops_the_age_groups_that_leave_it_out(typed, read):
    assert _read(typed) == read


@pytest.mark.django_db
def test_someone_who_had_spine_surgery_sees_the_trials_excluding_it_last():
    """ "had a neck fusion (ACDF) at C5-C6 …": the trials whose criteria turn away anyone
    who had a spine operation after the others, the trials made for it (a failed back surgery,
    an adjacent level) first; an operation only considered is none had."""
    away = {"criteria": {"exclusion": ["Previous anterior cervical spine surgery"]}}
    prior = {"criteria": {"exclusion": ["Any prior history of cervical fusion"]}}
    Trial.objects.create(key="AWAY", record=away, title="Cervical disc disc arthroplasty")
    Trial.objects.create(key="PRIOR", record=prior, title="Cervical disc arthroplasty disc")
    Trial.objects.create(key="TAKES", record={}, title="Cervical disc arthroplasty registry")
    Trial.objects.create(key="ADJACENT", record={}, title="Adjacent segment disc arthroplasty")
    assert _keys(_search({"q": "cervical disc arthroplasty"}))[:2] == ["AWAY", "PRIOR"]
    found = _keys(_search({"q": "had a neck fusion in 2016, cervical disc arthroplasty trial?"}))
    assert found[0] == "ADJACENT" and set(found[1:]) == {"TAKES", "AWAY", "PRIOR"}
    assert found.index("TAKES") < min(found.index("AWAY"), found.index("PRIOR"))
    for said in (
        "had a neck fusion (ACDF) at C5-C6 in 2016",
        "after my L4-5 fusion the pain came back",
        "previous back surgery, sciatica again",
        "I'm fused at C5-6",
        "i had surgery on my lower back in 2019",
        "had a microdiscectomy 2 years ago",
        "failed back surgery syndrome",
        "post-laminectomy pain",
    ):
        assert _circumstance_read(said, "fusion"), said
    for said in (
        "failed PT, considering fusion",
        "failed 6 wks conservative - artificial disc vs ACDF trial",
        "ACDF vs artificial disc",
        "had surgery for my lung cancer",
        "after 6 weeks of physical therapy",
        # denied, a topic, a plan, or no spine's fusion
        "never had back surgery, lumbar disc herniation trials",
        "no prior back surgery, sciatica",
        "pain control after lumbar fusion",
        "rehab after spine surgery trial",
        "since my doctor suggested fusion for my back",
        "prior authorization for spinal fusion",
        "had ALK fusion lung cancer trials",
        "my ankle was fused",
    ):
        assert not _circumstance_read(said, "fusion"), said


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "title", "other"),
    [
        (
            "sciatica steroid shot",
            "Transforaminal epidural steroid injection in sciatica",
            "Sciatica: steroid tablets or a flu shot",
        ),
        (
            "epidural shot for my pinched nerve",
            "Epidural steroid injection for radiculopathy",
            "Pinched nerve: an epidural catheter, then a shot of saline",
        ),
        (
            "steroid shots for keloids",
            "Intralesional triamcinolone for keloids",
            "Keloids: steroid creams and shots of silicone",
        ),
        (
            "lung cancer brain mets",
            "Radiotherapy of brain metastases from lung cancer",
            "Lung cancer: brain imaging when MET is amplified",
        ),
        (
            "neck disc replacement",
            "Cervical disc arthroplasty versus fusion",
            "Neck pain: disc or hip replacement",
        ),
    ],
)
def test_what_people_call_a_treatment_or_a_spread_finds_what_registries_call_it(
    typed, title, other
):
    """Lay words (lay_terms.json `terms`): a steroid or epidural shot is an injection, "mets"
    metastases, a neck disc replacement a cervical disc arthroplasty; the trial saying it the
    registries' way first, before one with every word typed but not what they say together."""
    # (tagged as the vocabulary would tag them: a trial about brain metastases of a cancer
    # named is one of that cancer's trials, not one about another disease)
    tags = {"conditions": words.named_conditions(typed)}
    Trial.objects.create(key="MEANT", record={}, title=title, **tags)
    Trial.objects.create(key="OTHER", record={}, title=other, **tags)
    assert _keys(_search({"q": typed}))[0] == "MEANT"


@pytest.mark.django_db
def test_a_post_marketing_survey_is_found_by_what_registries_call_it():
    """ "post marketing surveillance japan": the registries' observational use-results
    surveys and post-marketing studies (no phase), not only the phase 4 trials."""
    japan = {"sites": [{"country": "Japan", "city": "Tokyo"}]}
    Trial.objects.create(key="SURVEY", record=japan, title="Drug X general use-results survey")
    Trial.objects.create(key="PMS", record={}, title="Post-marketing safety study of vaccine Y")
    Trial.objects.create(key="P4", record={}, title="Surveillance of drug Z", phases=["PHASE4"])
    assert {"SURVEY", "PMS"} <= set(_keys(_search({"q": "post marketing surveillance"})))
    assert "SURVEY" in _keys(_search({"q": "postmarketing surveys"}))


@pytest.mark.django_db
def test_herbal_remedies_find_what_registries_call_them():
    Trial.objects.create(key="DECOCTION", record={}, title="Bosinji decoction for disc herniation")
    Trial.objects.create(key="BOTANICAL", record={}, title="A botanical extract for sleep")
    Trial.objects.create(key="OTHER", record={}, title="Remedies for a plant worker's back")
    found = _keys(_search({"q": "herbal remedies"}))
    assert set(found[:2]) == {"DECOCTION", "BOTANICAL"}


# --- A registry named ("jRCT amyloidosis", "psoriasis on the EU register") -------------------

EU = [
    ("registry", "EU Clinical Trials Register"),
    ("registry", "EudraCT"),
    ("registry", "CTIS"),
]


@pytest.mark.parametrize(
    ("typed", "read", "rest"),
    [
        ("jRCT amyloidosis", [("registry", "jRCT")], "amyloidosis"),
        ("psoriasis trials on the EU register", EU, "psoriasis trials on the"),
        ("eczema studies registered with ISRCTN", [("registry", "ISRCTN")], "eczema studies"),
        ("lupus listed on clinicaltrials.gov", [("registry", "ClinicalTrials.gov")], "lupus"),
        # the registry word after the name is the name's: no observational study asked for
        ("trials in the jRCT registry", [("registry", "jRCT")], "trials in the"),
        (
            "amyloidosis (jRCT / UMIN)",
            [("registry", "jRCT"), ("registry", "UMIN-CTR")],
            "amyloidosis",
        ),
        (
            "japanese registry dermatomyositis",
            [("registry", r) for r in ("JPRN", "jRCT", "UMIN-CTR", "JapicCTI")],
            "dermatomyositis",
        ),
        ("ChiCTR psoriasis", [("registry", "ChiCTR")], "psoriasis"),
        # a number that is no ID beside it
        ("jRCT phase 3 psoriasis", [("phase", "PHASE3"), ("registry", "jRCT")], "psoriasis"),
        ("DRKS 18+ psoriasis", [("registry", "DRKS")], "18+ psoriasis"),
        ("lupus trials with an EU CT number", [("registry", "CTIS")], "lupus trials with an"),
    ],
)
def test_a_registry_named_is_read_as_the_registry_filter(typed, read, rest):
    assert _read(typed) == read
    assert _rest(typed) == rest


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # a registry's name before a number: a trial's ID, searched as one
        ("chictr 2100050713", []),
        ("eudract nr 2019-001698-10", []),
        ("drks 00032447", []),
        ("JPRN-UMIN000008396", []),
        # a registry of patients is a kind of study, not a trial registry
        ("a chinese registry of lupus patients", [("study_type", "OBSERVATIONAL")]),
        ("how do i register for a lupus trial", []),
        # a number further on, before, or a link: an ID (the end-of-session review's)
        ("ISRCTN registration number 12345678", []),
        ("eudract number is 2019-001698-10", []),
        ("2019-001698-10 (EudraCT)", []),
        ("https://jrct.niph.go.jp/latest-detail/jRCT2031210123", []),
        # said not to be there
        ("psoriasis not on clinicaltrials.gov", []),
        ("lupus trials outside clinicaltrials.gov", []),
        # a patients' registry
        ("a japanese registry of psoriasis patients", [("study_type", "OBSERVATIONAL")]),
        ("japanese registry study of lupus", [("study_type", "OBSERVATIONAL")]),
        # people's names and other words: short names only in capitals
        ("Umin is my friends name", []),
        ("dr Rebec at mayo", []),
        ("ctri-like symptoms", []),
    ],
)
def test_other_words_are_no_registry(typed, read):
    assert _read(typed) == read


def test_every_registry_people_name_is_one_the_readers_name():
    """lay_terms.json `registries` values are the names the readers give registries (one
    definition: identifiers.py, the ICTRP's source registers, ClinicalTrials.gov's)."""
    from trials.readers import ctgov_json, ictrp_page, identifiers

    named = {name for _, name in identifiers._REGISTRY_PATTERNS}
    named |= set(ictrp_page._REGISTERS.values()) | {ctgov_json.REGISTRY}
    said = {value for _, values in readings._lay().registries for value in values}
    assert said and said <= named, said - named


@pytest.mark.django_db
def test_a_registry_named_lists_its_trials_first_then_the_others_about_it(client):
    """ "jRCT psoriasis": the psoriasis trial listed in jRCT first, then the other psoriasis
    trials (not one naming psoriasis in passing); the page says so, the API agrees. A registry
    the portal holds no trial of is no filter: its name stays a search word."""
    Trial.objects.create(
        key="JP-1",
        record={},
        title="Psoriasis study in Japan",
        conditions=["psoriasis"],
        registries=["JPRN", "jRCT"],
    )
    for key in ("US-1", "US-2"):
        Trial.objects.create(
            key=key,
            record={},
            title="Psoriasis psoriasis study",
            conditions=["psoriasis"],
            registries=["ClinicalTrials.gov"],
        )
    Trial.objects.create(
        key="PASSING",
        record={},
        title="Eczema study, psoriasis excluded",
        conditions=["atopic-dermatitis"],
        registries=["ClinicalTrials.gov"],
    )
    response = client.get("/", {"q": "jRCT psoriasis"})
    result = response.context["result"]
    keys = [hit.key for hit in result.trials]
    assert keys[0] == "JP-1" and set(keys) == {"JP-1", "US-1", "US-2"}, keys
    assert result.read_first == 1
    page = response.content.decode()
    assert "1 trial is listed in the registry you named (“jRCT”)" in page
    assert client.get("/api/trials/", {"q": "jRCT psoriasis"}).json()["count"] == 3
    query, errors = parse(_params(q="ISRCTN psoriasis"))
    assert not errors and query.understood == () and query.q == "ISRCTN psoriasis"


@pytest.mark.django_db
def test_a_national_registry_lists_the_trials_in_its_country_next():
    """ "psoriasis studies in the German Clinical Trials Register": its trial first, then the
    psoriasis trials with a site in Germany (an international registry's German trials),
    then the others."""
    Trial.objects.create(
        key="DRKS-1", record={}, title="Psoriasis", conditions=["psoriasis"], registries=["DRKS"]
    )
    for key, country in (("IN-DE", "DE"), ("IN-US", "US")):
        Trial.objects.create(
            key=key,
            record={},
            # the one in the US has the words more often
            title="Psoriasis" if country == "DE" else "Psoriasis psoriasis psoriasis studies",
            conditions=["psoriasis"],
            countries=[country],
            registries=["ClinicalTrials.gov"],
        )
    typed = "psoriasis studies in the German Clinical Trials Register"
    assert _read(typed) == [("registry", "DRKS")]
    found = [hit.key for hit in search(parse(_params(q=typed))[0]).trials]
    assert found == ["DRKS-1", "IN-DE", "IN-US"], found
