"""Corrections that do not mislead (issue 14, point 7): a respelling is offered or applied only
when the respelt query finds trials *about* it (the word in their title, conditions, drugs or
synonyms), and a disease no trial is about is said to be found nowhere, not listed from the
trials that name it in passing."""

import pytest
from django.http import QueryDict

from tests.searching import search_text
from trials.models import Trial
from trials.search import fulltext, words
from trials.search.params import TrialFilterSet

pytestmark = pytest.mark.django_db


_run = search_text


def _reference_count(text: str) -> int:
    data = QueryDict(mutable=True)
    data["q"] = text
    return TrialFilterSet(data=data, queryset=Trial.objects.all()).qs.count()


def _open_to_any_skin(key: str = "ANY-SKIN", excluding: str | None = None) -> None:
    """A trial open to any skin disease (its conditions say so), whose exclusion criteria
    name `excluding`."""
    Trial.objects.create(
        key=key,
        record={"criteria": {"exclusion": [excluding]}} if excluding else {},
        title="Evaluation and treatment of patients with dermatologic diseases",
        text_terms="Dermatologic Diseases",
    )


@pytest.fixture
def in_passing():
    """Two trials that name pemphigus and psoriasis only in passing (description, inclusion
    criteria): not about either."""
    Trial.objects.create(
        key="PASSING-1",
        record={},
        title="Suction blisters in healthy volunteers",
        text_criteria="Blisters are raised as in pemphigus, psoriasis or lupus lesions.",
    )
    Trial.objects.create(
        key="PASSING-2",
        record={},
        title="Wound healing after skin biopsy",
        text_criteria="Inclusion: healthy adults. Unlike pemphigus, biopsies heal within weeks.",
    )


@pytest.fixture
def about_pemphigus():
    Trial.objects.create(key="ABOUT-PV", record={}, title="Rituximab in pemphigus vulgaris")


def test_a_disease_only_named_in_passing_finds_none(client, in_passing):
    result = _run("pemphigus")
    assert result.count == 0 and not result.trials
    assert result.passing == 2
    assert result.corrected_from is None and result.suggestion is None
    assert _reference_count("pemphigus") == 0
    html = client.get("/", {"q": "pemphigus"}).content.decode()
    assert "No trials found" in html
    assert "No trial is about “pemphigus”. 2 trials mention it only in passing" in html
    assert "Suction blisters" not in html and "Wound healing" not in html
    body = client.get("/api/trials/", {"q": "pemphigus"}).json()
    assert body["count"] == 0 and body["results"] == []
    assert body["mentioned_in_passing"] == 2


def test_a_trial_whose_inclusion_criteria_take_people_with_it_is_no_mention(client, in_passing):
    """No trial is about melasma, but one laser trial's inclusion criteria take people with it
    among other lesions: a trial they could join, listed; one turning it away in its inclusion
    criteria ("no history of melasma") is not why. A sentence naming it finds it too."""
    Trial.objects.create(
        key="LASER-PIGMENT",
        record={"criteria": {"inclusion": ["Presence of solar lentigines, freckles, melasma."]}},
        title="Picosecond laser for benign pigmented lesions",
        text_criteria="Presence of solar lentigines, freckles, melasma.",
    )
    Trial.objects.create(
        key="NO-MELASMA",
        record={"criteria": {"inclusion": ["Adults with acne scars and no history of melasma"]}},
        title="Fractional laser for acne scars",
        text_criteria="Adults with acne scars and no history of melasma",
    )
    result = _run("melasma")
    assert (result.passing, result.count) == (0, 2) == (0, _reference_count("melasma"))
    html = client.get("/", {"q": "melasma"}).content.decode()
    assert "Picosecond laser" in html and "only in passing" not in html
    sentence = "i have melasma on my face, is there a laser study"
    result = _run(sentence)
    assert "LASER-PIGMENT" in {hit.key for hit in result.trials}
    assert result.count == _reference_count(sentence)
    Trial.objects.filter(key="LASER-PIGMENT").delete()
    result = _run("melasma")
    assert (result.passing, result.count) == (1, 0) == (1, _reference_count("melasma"))
    # Each criterion on its own: one negating it does not undo another that takes them; a
    # "non-" word before is no negation of it.
    Trial.objects.create(
        key="BOTH",
        record={
            "criteria": {
                "inclusion": ["No history of melasma relapse", "Non-pregnant women with melasma"]
            }
        },
        title="Tranexamic acid cream",
        text_criteria="No history of melasma relapse. Non-pregnant women with melasma.",
    )
    result = _run("melasma")
    assert (result.passing, result.count) == (0, 2) == (0, _reference_count("melasma"))


def test_once_a_trial_is_about_it_the_mentions_are_listed_after_it(in_passing, about_pemphigus):
    result = _run("pemphigus")
    assert result.passing == 0
    assert result.count == 3 == _reference_count("pemphigus")
    assert result.trials[0].key == "ABOUT-PV"


def test_words_that_name_no_disease_keep_their_mentions(in_passing):
    # "biopsies" is no disease: a trial that has the word matches it.
    assert {hit.key for hit in _run("biopsies").trials} == {"PASSING-2"}
    # Nor is a drug: one named in inclusion criteria is a prior treatment people look for.
    Trial.objects.create(
        key="PRIOR-MTX", record={}, title="Study", text_criteria="Failed methotrexate."
    )
    assert {hit.key for hit in _run("methotrexate").trials} >= {"PRIOR-MTX"}


def test_a_disease_in_a_summary_is_what_the_trial_is_about(in_passing):
    Trial.objects.create(
        key="SUMMARY-PV", record={}, title="Study", text_summary="Pemphigus patients treated."
    )
    assert _run("pemphigus").count == 3


def test_a_misspelt_disease_only_named_in_passing_is_said_so(client, in_passing):
    # Respelt, the disease no trial is about: the page says what it found for the word spelt
    # right (trials naming it in passing, not listed), not "no trials" for the typo.
    result = _run("pemphigis")
    assert result.count == 0 and not result.trials
    assert (result.corrected_to, result.passing) == ("pemphigus", 2)
    html = client.get("/", {"q": "pemphigis"}).content.decode()
    assert "No trial is about “pemphigus”. 2 trials mention it only in passing" in html
    assert "Did you mean" not in html
    # A typo of a word no vocabulary disease has is not respelt into one only named in passing.
    Trial.objects.create(key="BIOPSY", record={}, title="Study", text_criteria="Skin biopsies.")
    assert _run("biopsis").corrected_from is None


def test_a_misspelling_is_corrected_when_trials_are_about_the_word(in_passing, about_pemphigus):
    result = _run("pemphigis")
    assert result.corrected_from == "pemphigis" and result.corrected_to == "pemphigus"
    assert result.trials[0].key == "ABOUT-PV"


def test_psoriosis_is_corrected_only_to_psoriasis_trials(in_passing):
    result = _run("psoriosis")  # respelt, the disease no trial is about: none listed
    assert (result.corrected_to, result.count) == ("psoriasis", 0)
    Trial.objects.create(key="ABOUT-PSO", record={}, title="Plaque psoriasis and apremilast")
    result = _run("psoriosis")
    assert result.corrected_to == "psoriasis"
    assert result.trials[0].key == "ABOUT-PSO"


def test_a_correction_needs_all_its_words_in_what_the_trial_is_about(in_passing):
    # "lupus pemphigus" is only in a description (PASSING-1): no correction, and the search
    # relaxes to any word instead.
    result = _run("lupus pemphigis")
    assert result.corrected_from is None
    assert result.relaxed


def test_relaxing_brings_back_no_trial_that_names_the_diseases_only_in_passing(client):
    # A registry's criteria not split into inclusion and exclusion: "No history of …" is read
    # as inclusion text. Relaxed to any of the words, the query still wants trials about them.
    Trial.objects.create(
        key="NO-HISTORY",
        record={},
        title="Cytokines in mastocytosis",
        text_criteria="No history of autoimmune disease such as vasculitis, pyoderma gangrenosum.",
    )
    result = _run("pyoderma gangrenosum")
    assert (result.count, result.passing, result.relaxed) == (0, 1, False)
    assert _reference_count("pyoderma gangrenosum") == 0
    html = client.get("/", {"q": "pyoderma gangrenosum"}).content.decode()
    assert "No trial is about “pyoderma gangrenosum”. 1 trial mentions it only in passing" in html


def test_diseases_each_named_in_passing_by_another_trial_are_counted_as_mentions(client):
    for key, disease in [("NO-PG", "pyoderma gangrenosum"), ("NO-HS", "hidradenitis")]:
        Trial.objects.create(
            key=key, record={}, title="Study", text_criteria=f"No history of {disease}."
        )
    result = _run("pyoderma gangrenosum hidradenitis")
    assert (result.count, result.passing, result.relaxed) == (0, 2, False)
    assert _reference_count("pyoderma gangrenosum hidradenitis") == 0
    body = client.get("/api/trials/", {"q": "pyoderma gangrenosum hidradenitis"}).json()
    assert body["mentioned_in_passing"] == 2


def test_a_relaxed_query_naming_diseases_lists_trials_about_some_of_them(in_passing):
    Trial.objects.create(key="ABOUT-PSO", record={}, title="Plaque psoriasis and apremilast")
    # PASSING-1 names both, in its criteria only; ABOUT-PSO is about one of them.
    result = _run("psoriasis pemphigus")
    assert result.relaxed
    assert [hit.key for hit in result.trials] == ["ABOUT-PSO"]
    assert _reference_count("psoriasis pemphigus") == 1
    # Diseases among other words relax to the trials about the diseases, whatever the other
    # words ("painful boils in my armpits"): not to a biopsy study naming pemphigus in passing.
    result = _run("psoriasis biopsies")
    assert result.relaxed and [hit.key for hit in result.trials] == ["ABOUT-PSO"]
    assert _reference_count("psoriasis biopsies") == 1
    # None being about them: none (a trial with "tablets", or one naming pemphigus in its
    # criteria, is no answer).
    Trial.objects.create(key="TABLETS", record={}, title="Iron tablets in anaemia")
    result = _run("pemphigus tablets")
    assert result.count == 0 and not result.relaxed
    assert _reference_count("pemphigus tablets") == 0


@pytest.mark.parametrize("typed", ["alopecia", "hair loss", "alopecia trials", "alopesha"])
def test_one_word_of_a_disease_name_or_peoples_words_for_one_ask_what_a_trial_is_about(
    client, typed
):
    # "alopecia" is no condition of the vocabulary on its own (alopecia areata, frontal
    # fibrosing alopecia are), "hair loss" is what people say for it: a lung cancer trial whose
    # inclusion criteria allow alopecia left from chemotherapy is no alopecia trial.
    Trial.objects.create(
        key="NSCLC-1",
        record={},
        title="Afatinib in lung cancer",
        text_criteria="Toxicities of prior chemotherapy resolved to grade 1 (except alopecia).",
    )
    result = _run(typed)
    assert (result.count, result.passing) == (0, 1)
    assert _reference_count(typed) == 0
    if typed == "alopesha":  # as said: respelt, and the page says what it found for the word
        assert result.corrected_to == "alopecia"
        html = client.get("/", {"q": typed}).content.decode()
        assert "No trial is about “alopecia”. 1 trial mentions it only in passing" in html
    Trial.objects.create(key="ABOUT-AA", record={}, title="Baricitinib in alopecia areata")
    assert _run(typed).trials[0].key == "ABOUT-AA"


def test_the_about_test_rides_on_the_text_statement(client, django_assert_num_queries, in_passing):
    client.get("/", {"q": "zyxwvut"})  # builds the index and the spelling lexicon
    # No trial being about a skin disease, nor about its group: the trials open to any skin
    # disease, as the index marks them (no statement).
    with django_assert_num_queries(2):
        client.get("/", {"q": "vitiligo"})
    with django_assert_num_queries(2):  # the change-log poll, the ids with the about test
        client.get("/", {"q": "pemphigus"})


def test_a_broad_query_is_taken_to_be_about_its_words(monkeypatch, in_passing):
    monkeypatch.setattr(fulltext, "ABOUT_CHECK_MAX", 1)
    assert _run("pemphigus").count == 2 == _reference_count("pemphigus")


@pytest.mark.parametrize(
    ("typed", "means"),
    [
        ("thick silvery patches on my knees and lower back", ["psoriasis"]),
        ("the skin on my hands is getting tight", ["scleroderma"]),
        ("painful lumps in armpits and groin that burst", ["hidradenitis suppurativa"]),
        ("fingers go white then blue in the cold", ["raynaud"]),
        ("sores on my fingertips that wont heal", ["digital ulcers"]),
        ("brown patches on my cheeks from the sun", ["melasma"]),
        ("sweating too much from my armpits", ["hyperhidrosis"]),
        ("painful red bumps on my shins", ["erythema nodosum"]),
        ("rough scaly spots on my bald scalp from years in the sun", ["actinic keratosis"]),
        ("brown age spots from years in the sun", ["melasma"]),  # no rough or scaly spot: no AK
        ("the eye doctor says she has inflammation inside her eyes", ["uveitis"]),
        ("skin on my chest is tight and hard after radiation", ["radiation dermatitis"]),
        ("bone marrow transplant and now my skin is rashy", ["graft versus host disease"]),
        ("my palms are always sweaty", ["hyperhidrosis"]),
        ("purple rash on eyelids and i cant climb stairs", ["dermatomyositis"]),
        ("my eyes feel gritty and my mouth is so dry", ["sjogren"]),
        ("red rash on my cheeks and nose, my joints ache", ["lupus"]),
        ("my knuckles swell and stay stiff for hours every morning", ["rheumatoid arthritis"]),
        # session 26's blind set 31
        ("my fingernails are full of tiny pits and crumbling", ["nail psoriasis"]),
        ("my fingers and toes are swelling up like sausages", ["psoriatic arthritis"]),
        ("ring shaped red rash every time im in the sun", ["subacute cutaneous lupus"]),
        ("violet rash across my upper back and shoulders", ["dermatomyositis"]),
        ("pus bumps on palms and souls that peel", ["palmoplantar pustulosis"]),
        ("a sore on my nose that scabs over and never heals", ["basal cell carcinoma"]),
        (
            "hive like rash with a fever and achy knees in the cold",
            ["cryopyrin associated periodic syndromes"],
        ),
        ("the sides of my fingers look like a mechanics hands", ["antisynthetase syndrome"]),
        ("my thighs are weak and my CK is high", ["myositis"]),
        (
            "tiny red dots, burning pain in my feet when hot, uncle on dialysis",
            ["fabry disease"],
        ),
        # session 37's blind set 94: rheumatic and blood diseases described
        ("my back is stiff every morning and wakes me at night", ["axial spondyloarthritis"]),
        (
            "every few weeks i get a fever and terrible stomach pain for 3 days",
            ["familial mediterranean fever"],
        ),
        ("my platelets are low and i bruise easily", ["immune thrombocytopenia"]),
        ("high ANA and anti-dsDNA on my blood tests", ["lupus"]),
        ("low back pain after lifting", []),  # no stiffness at night: no spondyloarthritis
        ("red spots and burning pain in the heat", []),  # no kidney or family: no Fabry
        ("my fingers are swollen", []),  # two cues of three
        ("silvery", []),  # one cue of two: no sign
        ("patches on my knees", []),
        ("lumps in the breast", []),  # no cue of hidradenitis's places
    ],
)
def test_signs_described_in_any_order_and_words_mean_their_diseases(typed, means):
    found = [" ".join(group[0]) for group in words.signs(typed)]
    assert found[: len(means)] == means and (found or not means)
    assert bool(found) == bool(means)


def test_signs_described_that_no_trial_is_about_are_named_on_the_page(client):
    typed = "painful red bumps on my shins"
    html = client.get("/", {"q": typed}).content.decode()
    assert "No trials found" in html
    assert (
        "Your words describe <strong>erythema nodosum</strong>: no trial here is about it now."
        in html
    )
    Trial.objects.create(
        key="EN-1",
        record={},
        title="Colchicine for erythema nodosum",
        text_terms="Erythema nodosum",
    )
    html = client.get("/", {"q": typed}).content.decode()
    assert "Colchicine for erythema nodosum" in html and "Your words describe" not in html


def test_a_sign_whose_words_another_diseases_signs_all_have_is_not_read():
    # "itchy" "patches" on the "elbows" describe atopic dermatitis too; the scaly, silvery
    # patches on elbows, knees and scalp say psoriasis.
    typed = "thick scaly silvery patches on my elbows knees and scalp, itchy"
    assert [" ".join(group[0]) for group in words.signs(typed)] == ["psoriasis"]
    assert "atopic dermatitis" in [" ".join(g[0]) for g in words.signs("itchy patches on elbows")]
    # Relaxed, the trials about psoriasis are tried before those about any itchy disease.
    parts = [part.text for part, _enough in words.about_parts(typed)]
    alone = parts.index("((psoriasis:ABC))")
    assert "urticaria" in parts[-1] and alone < len(parts) - 1


@pytest.fixture
def described():
    """Trials about psoriasis, hidradenitis, scars, lupus of the skin and lupus, and one that
    says "silvery" and "knees" without being about psoriasis."""
    for key, title, summary in [
        ("PSO", "Apremilast in plaque psoriasis", "Plaques on elbows and knees."),
        ("HS", "Secukinumab in hidradenitis suppurativa", "Nodules in the axillae."),
        ("SCAR", "Laser for acne scars", "Scars, scars and scars after acne."),
        ("CLE", "Anifrolumab in discoid lupus", "Cutaneous lupus with scarring."),
        ("SLE-1", "Belimumab in systemic lupus", "Lupus flares."),
        ("SLE-2", "Hydroxychloroquine in lupus", "Lupus."),
        ("KNEE", "Knee replacement", "Silvery implants in knees and the lower back."),
    ]:
        Trial.objects.create(key=key, record={}, title=title, text_summary=summary)


@pytest.mark.parametrize(
    ("typed", "first", "listed", "left_out"),
    [
        # The sign's disease, not the knee implant that has the words.
        ("thick silvery patches on my knees and lower back", "PSO", {"PSO"}, {"KNEE"}),
        # Scars is a condition's word too, but no sign: hidradenitis alone, not scar trials.
        ("painful lumps in armpits and groin that leave scars", "HS", {"HS"}, {"SCAR"}),
        # People's word for it ("boils") names it as strongly as a phrase: not scars either.
        ("painful boils that keep coming back and leave scars", "HS", {"HS"}, {"SCAR"}),
        # Lupus by a phrase, scarring by a sign: lupus of the skin first, then lupus.
        (
            "lupus rash on my face thats leaving scars",
            "CLE",
            {"CLE", "SLE-1", "SLE-2"},
            {"SCAR", "PSO"},
        ),
        # Another language's word for scars is a single word too (its alternatives are only
        # its translations): lupus is what the sentence is about, not scars.
        (
            "mon lupus laisse des cicatrices sur le visage",
            "CLE",
            {"CLE", "SLE-1", "SLE-2"},
            {"SCAR"},
        ),
        # "Lupus of the skin" said in French is lupus of the skin.
        ("un essai pour le lupus de la peau avec des cicatrices", "CLE", {"CLE"}, {"SCAR"}),
    ],
)
def test_a_sentence_lists_the_trials_about_what_it_describes(
    described, typed, first, listed, left_out
):
    result = _run(typed)
    ours = {"PSO", "HS", "SCAR", "CLE", "SLE-1", "SLE-2", "KNEE"}  # beside the seed trials
    keys = [hit.key for hit in result.trials if hit.key in ours]
    assert result.relaxed and keys[0] == first, keys
    assert set(keys) == listed and not set(keys) & left_out
    assert _reference_count(typed) == result.count  # the plain ORM's reading agrees


@pytest.mark.parametrize(
    ("typed", "means"),
    [
        ("plaques rouges sur le visage qui laissent des cicatrices", "discoid lupus"),
        ("placas escamosas en los codos y las rodillas", "psoriasis"),
        ("os dedos ficam brancos e azuis no frio", "raynaud"),
        ("beide Handgelenke geschwollen, morgens steif", "rheumatoid arthritis"),
        (
            "me duele la espalda por las noches y me levanto rígido, mejora al moverme",
            "axial spondyloarthritis",
        ),
        # Han characters run together: the words for the cues are cut out of the run
        ("眼皮周围发紫红，手指关节背面长了红疹，大腿没力气", "dermatomyositis"),
    ],
)
def test_signs_are_read_in_other_languages_words(typed, means):
    """lay_terms.json `sign_words`: another language's words for the cues ("visage": face);
    read as the search reads a query (words.spaced: a run of Han characters cut)."""
    assert means in [" ".join(group[0]) for group in words.signs(words.spaced(typed))]


def test_every_sign_word_is_a_cue():
    cues = {word for sign in words._lay_terms()["signs"] for cue in sign["cues"] for word in cue}
    assert set(words._lay_terms()["sign_words"]) <= cues


def test_every_sign_has_two_cues_or_more_of_single_words_and_means_something():
    # lay_terms.json `signs`, for curators to edit: a cue of one word alone would read every
    # query with it as the disease ("silvery", "knees").
    for sign in words._lay_terms()["signs"]:
        assert len(sign["cues"]) >= 2 and sign["mean"], sign
        for cue in sign["cues"]:
            assert cue and all(len(words._words(word)) == 1 for word in cue), sign


def test_a_typo_in_a_sentence_is_respelt_before_its_words_are_relaxed(described):
    # "psoriasys flares in winter": no trial has every word respelt either; the relaxed
    # search is of the respelt words (psoriasis is what trials are about), not of the typo.
    result = _run("psoriasys flares in winter")
    assert result.corrected_from == "psoriasys flares in winter" and result.relaxed
    assert result.trials[0].key == "PSO"
    # A respelling no trial is about is no reason to respell.
    assert _run("pemphigis flares in winter").corrected_from is None  # no pemphigus trial


def test_a_common_misspelling_of_eczema_and_a_jak1_inhibitor_are_read():
    Trial.objects.create(key="AD-1", record={}, title="Dupilumab injections in atopic dermatitis")
    assert _run("excema injections for adults").trials[0].key == "AD-1"
    (drug_class, *_) = words._groups("JAK1 inhibitor systemic lupus")
    assert ("upadacitinib",) in drug_class and drug_class[0] == ("jak1", "inhibitor")


def test_each_about_part_is_read_once(monkeypatch, described):
    read = []
    rows = fulltext._rows
    monkeypatch.setattr(
        fulltext,
        "_rows",
        lambda index, key, *args, **kw: read.append(key) or rows(index, key, *args, **kw),
    )
    assert _run("lupus rash on my face thats leaving scars").relaxed
    assert read and len(read) == len(set(read)), read


@pytest.mark.parametrize(
    ("typed", "means"),
    [
        # A disease named by its name wins over the signs its words describe.
        ("psoriasis on my palms, cracking and bleeding", []),
        ("hives that itch all day", []),  # "hives" means urticaria: named
        ("cold sores on my lip every month", []),  # herpes labialis, not sores in the mouth
        ("thick scaly silvery patches on my elbows", ["psoriasis"]),  # "thick" is no keloid
        # … but a sign with the disease named among its cues refines it.
        ("psoriasis with painful swollen fingers", ["psoriatic arthritis"]),
        ("hives and swollen lips", ["angioedema"]),
        # A disease compared to is not named: the signs say what it is.
        ("cheeks red and bumpy like acne, worse after wine", ["rosacea"]),
        ("cracked bleeding fingers", ["hand eczema"]),
    ],
)
def test_signs_give_way_to_a_disease_named(typed, means):
    assert [" ".join(group[0]) for group in words.described(typed)] == means


@pytest.mark.parametrize(
    ("typed", "spelt"),
    [
        ("DLE", ("discoid", "lupus", "erythematosus")),
        ("PsA", ("psoriatic", "arthritis")),
        # Not each word's initial: letters from inside a word too.
        ("JDM", ("juvenile", "dermatomyositis")),
        ("PsO", ("psoriasis",)),
        ("LPP", ("lichen", "planopilaris")),
    ],
)
def test_a_conditions_abbreviation_means_the_synonym_it_abbreviates(typed, spelt):
    (group,) = words._groups(typed)
    assert group[0] == (typed.lower(),) and spelt in group


@pytest.mark.parametrize(
    ("capitals", "name", "abbreviates"),
    [
        ("dm", "dermatomyositis", True),
        ("jdm", "juvenile dermatomyositis", True),
        ("pso", "plaque psoriasis", False),  # no capital for "plaque"
        ("jdm", "dermatomyositis", False),  # no word for "j"
        ("dm", "juvenile dermatomyositis", False),
        ("md", "dermatomyositis", False),  # in order
    ],
)
def test_an_abbreviation_takes_letters_in_order_from_each_word(capitals, name, abbreviates):
    assert words._abbreviates(capitals, name) is abbreviates


# --- A disease no trial is about: the trials about its group ---------------------------------


@pytest.fixture
def blistering_diseases():
    """A trial about blistering diseases as a group (the vocabulary's parent of pemphigus and
    pemphigoid), one about psoriasis."""
    Trial.objects.create(
        key="GROUP-1",
        record={},
        title="Suction blisters in blistering diseases",
        conditions=["autoimmune-blistering-diseases"],
        text_terms="Vesiculobullous Skin Disease Autoimmune blistering diseases",
    )
    Trial.objects.create(key="PSO-1", record={}, title="Plaque psoriasis", conditions=["psoriasis"])


def test_a_disease_no_trial_is_about_lists_the_trials_about_its_group(
    client, in_passing, blistering_diseases
):
    for typed in ("pemphigus", "pemphigus vulgaris", "bullous pemphigoid"):
        result = _run(typed)
        assert [hit.key for hit in result.trials] == ["GROUP-1"], typed
        assert result.broader_from == typed
        assert result.broader_to == "Autoimmune blistering diseases"
        assert result.passing == 0 and not result.relaxed
        assert _reference_count(typed) == 1
    html = client.get("/", {"q": "pemphigus"}).content.decode()
    assert "No trial is about “pemphigus”: showing trials about" in html
    assert "autoimmune blistering diseases</strong>, the group of diseases" in html
    assert "Suction blisters in blistering diseases" in html
    body = client.get("/api/trials/", {"q": "pemphigus"}).json()
    assert body["broader"] == {"from": "pemphigus", "to": "Autoimmune blistering diseases"}
    assert [r["key"] for r in body["results"]] == ["GROUP-1"]


def test_a_disease_whose_group_no_trial_is_about_lists_the_trials_of_the_group_above():
    """Netherton syndrome: no trial about it, nor about the ichthyoses (its group); one about
    the disorders of keratinization (theirs) is listed, by the engine and the ORM alike."""
    Trial.objects.create(
        key="KERATINIZATION",
        record={},
        title="Oral retinoid for cutaneous disorders of keratinization",
        conditions=["disorders-of-keratinization"],
    )
    result = _run("netherton syndrome")
    assert [hit.key for hit in result.trials] == ["KERATINIZATION"]
    assert result.broader_to == "Disorders of keratinization"
    assert _reference_count("netherton syndrome") == 1


def test_a_group_searched_instead_is_filled_with_the_trials_open_to_any_skin_disease(
    client, blistering_diseases
):
    """Fewer than FILL_BELOW trials about the group: after them, those open to any skin
    disease, as for a skin disease named ("pemphigus": the blistering diseases' trial, then
    the dermatology protocol), not one that turns away people with pemphigus."""
    _open_to_any_skin()
    _open_to_any_skin("ANY-SKIN-BUT", excluding="Autoimmune blistering diseases")
    result = _run("pemphigus")
    assert [hit.key for hit in result.trials] == ["GROUP-1", "ANY-SKIN"]
    assert result.broader_to == "Autoimmune blistering diseases"
    assert result.general_first == 1
    assert _reference_count("pemphigus") == 2
    html = client.get("/", {"q": "pemphigus"}).content.decode()
    assert "No trial is about “pemphigus”: showing trials about" in html
    assert "after it, trials open to skin diseases in general" in html


@pytest.fixture
def skin_in_general():
    """A trial open to any skin disease (its conditions say so), one about psoriasis, and one
    that names vitiligo only among its exclusion criteria."""
    _open_to_any_skin()
    Trial.objects.create(key="PSO-1", record={}, title="Plaque psoriasis", conditions=["psoriasis"])
    Trial.objects.create(
        key="LASER",
        record={},
        title="Laser for wrinkles",
        text_criteria="Exclusion: vitiligo, psoriasis",
    )
    Trial.objects.create(key="SCARS", record={}, title="Laser for acne scarring")
    Trial.objects.create(
        key="UC-1",
        record={},
        title="Vedolizumab in ulcerative colitis",
        conditions=["ulcerative-colitis"],
        text_terms="Ulcerative colitis",
    )


@pytest.mark.parametrize(
    "typed",
    [
        "vitiligo",
        "lichen planus",
        # several, "or" between them; their words ("scarring") find other diseases' trials
        "lichen planopilaris or frontal fibrosing alopecia (scarring alopecia) - any trials?",
        # the diagnosis given beside another disease some trial is about
        "i have ulcerative colitis, my doctor thinks its pyoderma gangrenosum",
        "i have vitiligo on my hands, can i give a skin sample for research?",
        "vitaligo",  # misspelt: respelt, then the same (no trial has the word either way)
        "white patches on my skin that are spreading",  # described: vitiligo
    ],
)
def test_a_skin_disease_no_trial_is_about_lists_the_trials_open_to_any(
    client, skin_in_general, typed
):
    """No trial is about vitiligo, and it has no group: the trials open to skin diseases in
    general, not the laser trial that excludes it, nor one about acne scars, nor about
    another disease the person has."""
    result = _run(typed)
    assert [hit.key for hit in result.trials] == ["ANY-SKIN"]
    assert result.broader_to == "skin diseases in general"
    assert all(
        said in (result.corrected_to or typed) for said in result.broader_from.split(" or ")
    ) or result.broader_from == ("vitiligo")  # the disease the signs describe
    assert _reference_count(result.corrected_to or typed) == 1  # exports and feeds alike
    html = client.get("/", {"q": typed}).content.decode()
    assert "showing trials open to <strong>skin diseases in general</strong>" in html
    # Not for a disease trials are about, nor one that is not a skin disease.
    assert _run("psoriasis").broader_from is None
    assert words.skin_diseases_named("rheumatoid arthritis") is None
    assert words.skin_diseases_named("rituximab") is None


@pytest.mark.parametrize(
    "word",
    [
        *("receptor", "tumor", "fever", "body", "mediterranean", "liver", "joint", "eye"),
        *("tolerance", "sun", "aging", "neck", "loose"),
    ],
)
def test_words_of_long_condition_names_that_name_no_disease_alone(word):
    # "IL-36 receptor antibody …": TRAPS's name has "receptor", no query's disease
    assert not words.names_diseases(word)


@pytest.mark.parametrize(
    "typed",
    [
        "paired pre/post-treatment lesional skin biopsies",  # "post" of "post-inflammatory …"
        "lesions over 5 cm",  # a Vietnamese name's word, folded
        "what type of trials may i join",  # "type 1 …", "mày đay" (urticaria)
        "psoriasis и экзема",  # Russian "and": a word of a Russian name
        "x v r co",
    ],
)
def test_pieces_and_common_words_of_condition_names_name_no_disease_alone(typed):
    named = [group for group in words._groups(typed) if words._is_disease(group)]
    assert {group[0] for group in named} <= {("psoriasis",), ("экзема",)}, named
    assert not {"post", "cm", "type", "may", "и", "x", "v", "r", "co"} & words._condition_words()
    # A script whose characters are words keeps its short ones; an abbreviation is its name.
    assert {"疣", "乾癬"} <= words._condition_words()
    assert words.names_diseases("dm trials") and words.names_diseases("HS")


def test_a_long_abbreviation_of_a_condition_names_it_among_other_words():
    """ "DITRA (IL36RN deficiency) - generalized pustular psoriasis in a child": DITRA is a
    disease the list is about; "traps" (TRAPS) is a word too."""
    for typed in ("DITRA (IL36RN deficiency) pustular psoriasis", "ditra in a child", "MCTD"):
        named = {group[0] for group in words._groups(typed) if words._is_disease(group)}
        assert ("ditra",) in named or ("mctd",) in named, typed
    assert not any(map(words._is_disease, words._groups("traps")))


@pytest.mark.parametrize("typed", ["sjogrens", "raynauds", "behcets"])
def test_a_possessive_typed_without_its_apostrophe_names_the_disease(typed):
    assert words.names_diseases(typed)
    assert words.names_diseases(f"{typed} trial")


def _dermatomyositis_trial() -> Trial:
    """A trial tagged with dermatomyositis, its title and terms saying so."""
    return Trial.objects.create(
        key="DM-1",
        record={},
        title="A new drug for dermatomyositis",
        conditions=["dermatomyositis"],
        text_terms="Dermatomyositis",
    )


def test_a_groups_name_finds_its_members_trials():
    """The name "myositis" (idiopathic inflammatory myopathies) finds the dermatomyositis
    trials, whose text never says "myositis" as a word."""
    _dermatomyositis_trial()
    Trial.objects.create(key="PSO-1", record={}, title="Plaque psoriasis", conditions=["psoriasis"])
    found = {hit.key for hit in _run("myositis").trials}
    assert "DM-1" in found and "PSO-1" not in found
    (group,) = words._groups("myositis")
    assert {("dermatomyositis",), ("polymyositis",)} <= set(group)
    # Not a member whose name says the group's: "psoriasis" is still a single word.
    assert words._groups("psoriasis") == [(("psoriasis",),)]


def test_a_disease_no_trial_is_about_among_other_words_lists_its_groups_trials(
    client, blistering_diseases
):
    result = _run("rituximab for pemphigus")
    assert [hit.key for hit in result.trials] == ["GROUP-1"]
    assert (result.broader_from, result.broader_to) == (
        "pemphigus",
        "Autoimmune blistering diseases",
    )
    assert _reference_count("rituximab for pemphigus") == 1  # exports and feeds alike
    html = client.get("/", {"q": "rituximab for pemphigus"}).content.decode()
    assert "No trial is about “pemphigus”: showing trials about" in html
    # A disease of no group among other words: nothing, as before.
    assert _run("rituximab for psoriasis").broader_from is None


def test_the_group_is_listed_only_when_no_trial_is_about_the_disease(
    in_passing, blistering_diseases, about_pemphigus
):
    result = _run("pemphigus")
    assert result.broader_from is None and result.trials[0].key == "ABOUT-PV"
    assert "GROUP-1" not in {hit.key for hit in result.trials}
    assert _run("psoriasis").broader_from is None  # no group: a disease of its own
    # Not for a disease among other words, nor a disease of no group.
    assert words.broader("pemphigus and psoriasis") is None
    assert words.broader("psoriasis") is None
    assert words.broader("rituximab") is None


def test_a_disease_said_in_peoples_words_leaves_the_other_signs_described():
    # "fingers turn white" is people's phrase for Raynaud's, not a condition's name as typed:
    # the skin getting tight on the hands still describes scleroderma.
    text = "fingers turn white in the cold and the skin on my hands is getting hard and tight"
    described = words.described(text)
    assert any(("scleroderma",) in group for group in described), described
    # A condition's name typed still wins over the signs beside it.
    assert words.described("psoriasis on my palms, cracking and bleeding") == []


def test_no_generic_word_of_a_conditions_name_names_a_disease_alone():
    # A word that names diseases alone is searched where trials say what they are about; a
    # generic one ("diseases" of "autoimmune blistering diseases") matched most trials, and a
    # sentence relaxed to it took 0.6 s at 100k trials (lay_terms.json `not_diseases_alone`).
    generic = {"disease", "diseases", "autoimmune", "syndrome", "skin", "chronic", "dermatoses"}
    assert not generic & words._condition_words()
    assert not words._is_disease((("diseases",),))


def test_a_sentence_describing_a_disease_no_trial_is_about_lists_none(client, described):
    # "white patches" describe vitiligo; no trial is about it, and a trial with "spreading" or
    # "skin" is no answer: none is listed (the page says none was found), not any word's.
    Trial.objects.create(key="SKIN", record={}, title="Skin spreading factor in wounds")
    typed = "white patches on my skin that are spreading"
    result = _run(typed)
    assert result.count == 0 and not result.relaxed
    assert _reference_count(typed) == 0
    assert "No trials found" in client.get("/", {"q": typed}).content.decode()
    # Once a trial is about it, it is listed.
    Trial.objects.create(key="VIT", record={}, title="Ruxolitinib cream in vitiligo")
    assert [hit.key for hit in _run(typed).trials] == ["VIT"]


def test_a_conditions_abbreviation_among_other_words_names_its_disease():
    # "LN" (lupus nephritis) among a clinician's words: relaxed, the trials about it, not any
    # trial with "induction" or "IV".
    parts = [part.text for part, _enough in words.about_parts("LN induction IV CYC")]
    assert parts and "lupus:AB & nephritis:AB" in parts[0] and "induction" not in parts[0]


def test_a_category_of_diseases_means_its_conditions():
    """ "autoimmune disease" (lay_terms.json `categories`) finds a trial about lupus whose text
    never says "autoimmune", and "cyclosporine for autoimmune disease patients" lists the
    cyclosporine trial in lupus, not a cyclosporine trial in no disease of the category."""
    Trial.objects.create(
        key="SLE-CSA",
        record={},
        title="Cyclosporine in lupus nephropathy",
        conditions=["lupus-nephritis"],
        text_terms="Lupus nephritis cyclosporine",
    )
    Trial.objects.create(
        key="TX-CSA",
        record={},
        title="Cyclosporine after kidney transplant",
        text_terms="kidney transplant cyclosporine",
    )
    Trial.objects.create(key="AUTO", record={}, title="Vaccines in autoimmune disease")
    found = {hit.key for hit in _run("autoimmune diseases").trials}
    assert {"SLE-CSA", "AUTO"} <= found and "TX-CSA" not in found
    found = [hit.key for hit in _run("cyclosporine for autoimmune disease patients").trials]
    assert found[0] == "SLE-CSA" and "TX-CSA" not in found
    (group,) = words._groups("inflammatory skin conditions")
    assert {("psoriasis",), ("hidradenitis", "suppurativa"), ("acne",)} <= set(group)
    # It names diseases: alone, it asks for trials about them.
    assert words.names_diseases("rheumatic disease")
    # "skin diseases" means every condition conditions.json marks a skin disease.
    (group,) = words._groups("skin diseases")
    assert {("psoriasis",), ("vitiligo",), ("herpes", "labialis")} <= set(group)
    assert ("rheumatoid", "arthritis") not in group
    # Not inside a condition's own name: one disease, not "mixed" and every such disease.
    assert words._groups("mixed connective tissue disease") == [
        (("mixed", "connective", "tissue", "disease"),)
    ]


def test_every_category_names_conditions_of_the_vocabulary():
    import json

    from trials.search.words import VOCAB_DIR

    slugs = {c["slug"] for c in json.loads((VOCAB_DIR / "conditions.json").read_text())}
    categories = json.loads((VOCAB_DIR / "lay_terms.json").read_text())["categories"]
    assert categories
    for category in categories:
        named = words.category_conditions(category)
        assert category["say"] and named and set(named) <= slugs, category["say"][0]


@pytest.fixture
def clots_and_lupus():
    Trial.objects.create(
        key="APS-1",
        record={},
        title="Genetics of antiphospholipid syndrome",
        conditions=["antiphospholipid-syndrome"],
    )
    for number in range(3):
        Trial.objects.create(
            key=f"SLE-{number}", record={}, title=f"Lupus pregnancy cohort {number}"
        )


def test_few_trials_about_what_is_named_most_closely_come_before_the_other_diseases(
    client, clots_and_lupus
):
    """Relaxed, "lupus … antiphospholipid antibodies … lost two pregnancies" lists the trial
    about antiphospholipid syndrome (named by a phrase: most closely) first, then the lupus
    trials (fulltext.about_first), not the one trial alone."""
    typed = "i have lupus and antiphospholipid antibodies, lost two pregnancies, any research?"
    result = _run(typed)
    keys = [hit.key for hit in result.trials]
    assert result.relaxed and result.about_first == 1
    assert keys[0] == "APS-1" and {"SLE-0", "SLE-1", "SLE-2"} <= set(keys[1:])
    assert _reference_count(typed) == result.count  # exports and feeds alike
    page = client.get("/", {"q": typed}).content.decode()
    assert "1 trial about what it names most closely is listed first" in page
    assert client.get("/api/trials/", {"q": typed}).json()["about_first"] == 1
    # Enough trials about it: no other disease's trials.
    assert _run("lupus").about_first is None


def test_few_trials_about_a_disease_named_are_followed_by_those_about_its_group(client):
    """Relaxed, "… dermatomyositis … hoarse voice" lists the few dermatomyositis trials first,
    then the trials about the idiopathic inflammatory myopathies, the group dermatomyositis
    belongs to in the vocabulary (words._groups_of_parents), less those whose exclusion criteria
    name dermatomyositis; not those few alone."""
    _dermatomyositis_trial()
    for number in range(3):
        Trial.objects.create(
            key=f"IIM-{number}",
            record={},
            title=f"Muscle strength study {number}",
            conditions=["idiopathic-inflammatory-myopathies"],
            text_terms="Idiopathic inflammatory myopathies",
        )
    Trial.objects.create(
        key="IIM-NOT-DM",  # turns away whom the search is for
        record={"criteria": {"exclusion": ["Adults with dermatomyositis"]}},
        title="Muscle strength study for polymyositis",
        conditions=["idiopathic-inflammatory-myopathies"],
        text_terms="Idiopathic inflammatory myopathies",
    )
    Trial.objects.create(key="VOICE", record={}, title="Hoarse voice in singers")
    typed = "my husband has dermatomyositis and a hoarse voice, any research?"
    result = _run(typed)
    keys = [hit.key for hit in result.trials]
    first = result.about_first  # DM-1 and the seeds' dermatomyositis trials
    assert result.relaxed and first and "DM-1" in keys[:first]
    assert all("dermatomyositis" in hit.trial.conditions for hit in result.trials[:first])
    assert set(keys[first:]) == {"IIM-0", "IIM-1", "IIM-2"}  # not the singers, nor IIM-NOT-DM
    assert _reference_count(typed) == result.count  # exports and feeds alike
    page = client.get("/", {"q": typed}).content.decode()
    assert "trials about the other diseases it names or the groups they belong to" in page


def test_trials_tagged_with_a_condition_named_come_before_those_with_its_words():
    """ "cutaneous lupus": a trial tagged cutaneous lupus before one whose title has both words
    from two other diseases (a transplant trial for systemic lupus and cutaneous vasculitis)."""
    Trial.objects.create(
        key="MIXED",
        record={},
        title="Cutaneous vasculitis and lupus: stem cells for cutaneous and systemic disease",
        conditions=["systemic-lupus-erythematosus", "cutaneous-vasculitis"],
        text_terms="Systemic lupus erythematosus Cutaneous vasculitis",
    )
    Trial.objects.create(
        key="CLE",
        record={},
        title="A cream for skin lesions",
        conditions=["cutaneous-lupus-erythematosus"],
        text_terms="Cutaneous lupus erythematosus",
    )
    found = [hit.key for hit in _run("cutaneous lupus").trials]
    assert [key for key in found if key in ("CLE", "MIXED")] == ["CLE", "MIXED"]
    # None tagged with it: those tagged with its group first ("skin GVHD": a GVHD trial before
    # a Sjögren's trial that says thalidomide was tried in skin GVHD).
    Trial.objects.create(
        key="SJOGREN",
        record={},
        title="Thalidomide in Sjogren's syndrome",
        conditions=["sjogren-syndrome"],
        text_summary="Thalidomide helped skin GVHD, skin GVHD and skin lesions of lupus.",
    )
    Trial.objects.create(
        key="GVHD",
        record={},
        title="Stem cells in autoimmune disease",
        conditions=["graft-versus-host-disease"],
        text_criteria="GVHD of the skin",
    )
    assert [hit.key for hit in _run("skin gvhd").trials] == ["GVHD", "SJOGREN"]
    # Not a disease denied, hedged or not ("red and flushed with little pimples but it isnt
    # normal acne"); not when the signs described refine the one named ("psoriasis" with
    # swollen fingers: psoriatic arthritis, words.described).
    assert words.named_conditions("red flushed pimples but it isnt normal acne") == ()
    assert words.named_conditions("itchy rash, not just eczema") == ()
    assert words.signs("cheeks and nose red and flushed with little pimples")
    assert words.described("psoriasis and swollen painful fingers") != []
    # A diagnosis said outweighs the signs: "derm says its keratoderma" (hard skin: scleroderma)
    assert words.named_conditions("hard skin, derm says its keratoderma") == (
        "palmoplantar-keratoderma",
    )
    assert words.described("hard skin, derm says its keratoderma") == []


def test_ichthyosis_no_trial_is_about_lists_the_disorders_of_keratinization():
    """ "ichthyosis": no trial about it here; the trial about disorders of keratinization
    (their group: conditions.json) is listed, saying so."""
    Trial.objects.create(
        key="KERAT",
        record={},
        title="Oral acitretin for cutaneous disorders of keratinization",
        conditions=["disorders-of-keratinization"],
        text_terms="Disorders of keratinization",
    )
    for typed in ("ichthyosis", "ichthyosis studies for my son"):
        result = _run(typed)
        assert [hit.key for hit in result.trials] == ["KERAT"]
        assert (result.broader_from, result.broader_to) == (
            "ichthyosis",  # the disease, not the query's other words
            "Disorders of keratinization",
        )
    assert "palmoplantar-keratoderma" in words.named_conditions("disorders of keratinization")
    # Misspelt, alone or at a sentence's end: respelt, then its group's trials.
    for typed in ("icthyosis", "he has dry scaly skin, the doctor called it icthyosis"):
        result = _run(typed)
        assert [hit.key for hit in result.trials] == ["KERAT"], typed
        assert result.corrected_from == typed and "ichthyosis" in result.corrected_to
        assert result.broader_from == "ichthyosis"


@pytest.mark.django_db
def test_the_signs_described_come_first_when_too_few_trials_are_about_them_alone():
    # "scaly rash" is people's word for psoriasis; a ring-shaped rash brought out by the sun
    # describes subacute cutaneous lupus (lay_terms.json signs). Too few trials are about the
    # lupus to be listed alone: they come first, then the psoriasis trials the words favour.
    for key in ("PSO-1", "PSO-2", "PSO-3"):
        Trial.objects.create(
            key=key, record={}, title="Red scaly rash on the arms: psoriasis", conditions=[]
        )
    Trial.objects.create(key="SCLE", record={}, title="Subacute cutaneous lupus erythematosus")
    Trial.objects.create(key="CLE", record={}, title="Cutaneous lupus and hydroxychloroquine")
    result = _run("ring shaped red scaly rash on my arms every time im in the sun")
    keys = [hit.key for hit in result.trials]
    psoriasis = [keys.index(key) for key in ("PSO-1", "PSO-2", "PSO-3")]
    # … the seed trials about cutaneous lupus among the first, too
    assert {"SCLE", "CLE"} <= set(keys[: min(psoriasis)])


def test_someone_healthy_is_shown_the_trials_that_take_healthy_volunteers_first():
    """ "can healthy people sign up for a psoriasis study?": the psoriasis trial that takes
    healthy volunteers (the registry's flag) before one that does not; not for a query that
    refuses them."""
    for key, healthy in [("PATIENTS", False), ("VOLUNTEERS", True)]:
        Trial.objects.create(
            key=key,
            record={"healthy_volunteers": healthy},
            title="Skin samples in psoriasis",
            conditions=["psoriasis"],
        )
    keys = [hit.key for hit in _run("can healthy people sign up for a psoriasis study?").trials]
    assert keys == ["VOLUNTEERS", "PATIENTS"]
    assert words.asks_healthy_volunteers("im healthy, can i volunteer")
    assert not words.asks_healthy_volunteers("psoriasis phase 1, not healthy volunteers")
    assert not words.asks_healthy_volunteers("psoriasis trials")


def test_someone_who_wants_no_medicine_is_shown_the_trials_testing_none_first():
    """ "something other than more pills - exercises, an app": the trial of an exercise
    programme before the drug's and the supplement's; not for someone who refuses a way of
    taking medicine and asks another ("no pills, any cream trials?")."""
    for key, kind in [
        ("DRUG", "DRUG"),
        ("SUPPLEMENT", "DIETARY_SUPPLEMENT"),
        ("EXERCISE", "BEHAVIORAL"),
    ]:
        Trial.objects.create(
            key=key,
            record={"interventions": [{"name": key.lower(), "type": kind}]},
            title="A study in rheumatoid arthritis of the hands",
            conditions=["rheumatoid-arthritis"],
        )
    typed = "rheumatoid arthritis hands, something other than more pills - exercises, an app?"
    assert _run(typed).trials[0].key == "EXERCISE"
    assert words.asks_no_medicine("lupus studies that are not drug trials")
    assert words.asks_no_medicine("non-drug eczema study")
    assert words.asks_no_medicine("RA studies that dont involve taking drugs? like exercise")
    assert not words.asks_no_medicine("my eczema does not respond to drugs")
    refusing = "i dont want pills or injections, are there any cream or ointment trials?"
    assert not words.asks_no_medicine(refusing)
    assert not words.asks_no_medicine("rheumatoid arthritis hand study")


def test_a_disease_named_by_its_abbreviation_alone_needs_a_trial_tagged_with_it(client):
    """ "PG trials": no trial tagged pyoderma gangrenosum; a pregabalin trial that writes "PG"
    is no answer (the letters mean something else there): the trials open to any skin
    disease, as for a skin disease no trial is about. Once one is tagged, it is listed."""
    Trial.objects.create(
        key="PREGABALIN",
        record={},
        title="Pregabalin after disc surgery",
        text_terms="PG pregabalin",
    )
    _open_to_any_skin()
    for typed in ("PG trials", "PG"):
        result = _run(typed)
        assert [hit.key for hit in result.trials] == ["ANY-SKIN"], typed
        assert result.broader_to == "skin diseases in general"
        assert _reference_count(typed) == 1
    assert words.named_by_abbreviation("PG trials") == ("pyoderma-gangrenosum",)
    assert words.named_by_abbreviation("pyoderma gangrenosum") == ()
    Trial.objects.create(
        key="PG-1",
        record={},
        title="Pyoderma gangrenosum (PG) and a new cream",
        conditions=["pyoderma-gangrenosum"],
        text_terms="Pyoderma gangrenosum PG",
    )
    assert "PG-1" in {hit.key for hit in _run("PG trials").trials}


def test_the_diagnosis_a_person_gives_comes_before_the_diseases_their_signs_may_be():
    """ "itchy welts … the allergist says cold urticaria": the trials about urticaria are the
    ones tried first, and the list is not widened to every itchy disease; a disease named by
    its name ("i have lupus") still widens it beside the diagnosis."""
    typed = "i get itchy welts when i hold something cold, the allergist says cold urticaria"
    parts = [part.text for part, _ in words.about_parts(typed)]
    assert "itch" not in parts[1] and "urticaria" in parts[1]
    assert words.about_listed(typed, lambda part: 1)[1] is None  # not widened
    both = "i have lupus and a clot in my leg, the doctor says i have antiphospholipid antibodies"
    chosen, wider = words.about_listed(both, lambda part: 1)
    assert "lupus" in wider.text and "lupus" not in chosen.text


def test_a_disease_named_by_its_name_comes_before_what_the_signs_describe():
    """ "EICH crónica … la piel se ha puesto dura": the GVHD named (its Spanish abbreviation)
    is tried before the scleroderma its hard skin describes, which only widens the list; a
    disease said in people's words ("itchy") still gives way to the signs."""
    typed = "EICH crónica cutánea tras trasplante de médula: la piel se ha puesto dura y tirante"
    found = {part.text: 1 for part, _ in words.about_parts(typed)}
    chosen, wider = words.about_listed(typed, lambda part: found.get(part.text, 0))
    assert "huesped" in chosen.text and "scleroderma" not in chosen.text
    assert "scleroderma" in wider.text
    # … by its name's words, each a word of its own ("port wine stain"), not the heliotrope
    # rash of dermatomyositis its purple eyelid describes
    stain = "dark purple port wine stain on my cheek and eyelid"
    found = {part.text: 1 for part, _ in words.about_parts(stain)}
    chosen, wider = words.about_listed(stain, lambda part: found.get(part.text, 0))
    assert "wine" in chosen.text and "dermatomyositis" not in chosen.text
    assert "dermatomyositis" in wider.text
    signs = "thick scaly silvery patches on my elbows, itchy"
    chosen, _wider = words.about_listed(signs, lambda part: 1)
    assert "psoriasis" in chosen.text and "itch" not in chosen.text


def test_a_trial_open_to_any_skin_disease_that_turns_the_disease_away_is_not_listed_for_it(
    skin_in_general,
):
    _open_to_any_skin("ANY-SKIN-BUT", excluding="Vitiligo or any depigmenting disorder")
    result = _run("vitiligo")
    assert [hit.key for hit in result.trials] == ["ANY-SKIN"]
    assert result.broader_to == "skin diseases in general"
    assert _reference_count("vitiligo") == 1
    assert {hit.key for hit in _run("lichen planus").trials} == {"ANY-SKIN", "ANY-SKIN-BUT"}


@pytest.mark.parametrize(
    ("typed", "about"),
    [
        ("my son cant quit vaping, is there an app study", "Nicotine dependence"),
        ("je bois trop d'alcool, une étude avec une application ?", "Alcohol use disorder"),
        ("my teen is really depressed, any phone app study", "Major depressive disorder"),
    ],
)
def test_peoples_words_for_an_addiction_or_a_low_mood_name_the_disease(typed, about):
    # Not a trial of another disease that says "app" (and turns away smokers, drinkers, the
    # depressed): the sentence is about the disease people's words name.
    Trial.objects.create(
        key="OTHER-APP",
        record={},
        title="A smartphone app for schizophrenia",
        text_criteria="Adults with schizophrenia using the app.",
    )
    Trial.objects.create(
        key="ABOUT-IT", record={}, title="A smartphone app study", text_terms=about
    )
    assert [hit.key for hit in _run(typed).trials] == ["ABOUT-IT"]


def test_a_childs_age_only_trials_open_to_any_skin_disease_take_lets_the_disease_s_follow():
    """ "Ma fille a 2 ans … une tache de vin … le dermatologue parle de laser": the trial open to
    any skin disease takes a two-year-old, the port-wine stain trials take adults: the age is
    let go (those about the disease named first, then the one open to any skin disease, not
    the laser trial of another), and "dermatologue" is a doctor, not "dermatologie" respelt
    (skin diseases in general, which would list every trial with the other words)."""
    _open_to_any_skin()
    for key in ("PWS-1", "PWS-2"):
        Trial.objects.create(
            key=key,
            record={},
            title="Pulsed dye laser for port-wine stain",
            conditions=["port-wine-stain"],
            min_age=18,
            max_age=65,
        )
    Trial.objects.create(key="LASER", record={}, title="Laser in young children", max_age=5)
    typed = (
        "Ma fille a 2 ans et elle a une tache de vin sur la joue. Le dermatologue parle de laser."
        " Existe-t-il des essais sur le laser qui acceptent les tout-petits ?"
    )
    result = search_text(typed)
    assert [hit.key for hit in result.trials] == ["PWS-1", "PWS-2", "ANY-SKIN"]
    assert result.corrected_from is None


def test_a_name_of_several_words_is_about_a_trial_where_its_summary_has_them_near():
    """ "reactive arthritis" in a sentence: a summary's "C reactive protein" and "arthritis"
    apart is no trial about it (a rheumatoid arthritis trial); a title or terms with both is
    (MeSH's "Arthritis, Reactive"), and a summary with a word between ("lichen planus":
    "lichen ruber planus"), not many words."""
    for key, title, terms, summary in [
        ("REA", "Early synovitis", "Reactive arthritis", "Joints."),
        ("MESH", "Synovial biopsies", "Arthritis, Reactive", "Joints."),
        ("CRP", "Adalimumab", "", "C reactive protein falls in rheumatoid arthritis."),
        ("LP", "Skin study", "", "Adults with lichen ruber planus of the skin."),
        ("APART", "Skin study", "", "Lichen simplex of the wrists, never planus warts."),
    ]:
        Trial.objects.create(
            key=key, record={}, title=title, text_terms=terms, text_summary=summary
        )
    result = search_text("reactive arthritis after food poisoning, my knee is swollen")
    assert {hit.key for hit in result.trials} == {"REA", "MESH"}
    typed = "lichen planus on my wrists, it itches"
    assert "lichen:C <2> planus:C" in words.about_parts(typed)[0][0].text
    assert [hit.key for hit in search_text(typed).trials] == ["LP"]


def test_a_word_of_another_language_s_cue_is_one_word_not_part_of_a_phrase():
    # Korean "손가락" (finger) alone is no knuckle: "a red rash on my finger" is no
    # dermatomyositis (a phrase's words each read as the cue once made it one).
    said = [
        " ".join(group[0]) for group in words.signs(words.spaced("손가락에 빨간 발진이 생겼어요"))
    ]
    assert "dermatomyositis" not in said
