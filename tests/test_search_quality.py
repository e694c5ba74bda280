"""Search that finds what people mean: synonyms, lay terms, typos, weights, snippets, facets."""

import pytest
from django.http import QueryDict

from trials.models import Trial
from trials.search.engine import search
from trials.search.params import parse

pytestmark = pytest.mark.django_db

CLE = {"NCT01408199", "ChiCTR1900025376"}
LENALIDOMIDE = {"NCT05488327", "NCT01408199", "ChiCTR1900025376"}
DM = {"NCT05488327", "NCT04946669"}


def _run(**params):
    q = QueryDict(mutable=True)
    for k, v in params.items():
        q.setlist(k, v if isinstance(v, list) else [str(v)])
    query, errors = parse(q)
    assert not errors, errors
    return search(query)


def _keys(result) -> set[str]:
    return {t.key for t in result.trials}


def _aldesleukin_key() -> str:
    return Trial.objects.get(drugs__contains=["aldesleukin"]).key


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("lupus rash", CLE),
        ("Revlimid", LENALIDOMIDE),
    ],
)
def test_lay_terms_and_brand_names_find_the_trials(q, expected):
    assert expected <= _keys(_run(q=q))


@pytest.mark.parametrize("q", ["IL-2", "Proleukin", "interleukin-2", "aldesleukin"])
def test_every_name_of_aldesleukin_finds_its_trial(q):
    assert _aldesleukin_key() in _keys(_run(q=q))


def test_an_abbreviation_finds_dermatomyositis():
    assert _keys(_run(q="DM")) >= DM


@pytest.mark.parametrize(
    ("typo", "fixed", "expected"),
    [
        ("dermatomyosits", "dermatomyositis", DM),
        ("lenalidomid", "lenalidomide", LENALIDOMIDE),
        ("abatacep", "abatacept", {"NCT04946669"}),
    ],
)
def test_typos_find_the_right_trials(typo, fixed, expected):
    result = _run(q=typo)
    # English stemming already forgives some ("lenalidomid"); the rest are corrected.
    assert result.corrected_from in (None, typo)
    assert expected <= _keys(result)


# ("dermatomyosits" stems as the French "dermatomyosite", a synonym its trials hold: found.)
@pytest.mark.parametrize("typo", ["dermatomyostis", "abatacep", "lupis"])
def test_a_misspelling_that_finds_nothing_is_corrected(typo):
    assert _run(q=typo).corrected_from == typo


def test_a_correct_word_is_not_corrected():
    assert _run(q="lenalidomide").corrected_from is None


def test_a_respelling_takes_swapped_letters_and_leaves_words_people_write():
    from trials.search import spelling

    # Two letters swapped are one typo ("ezcema"); a word of people's (lay_terms.json) or one
    # the trials have is none, however close to a vocabulary word ("scaly": scalp).
    assert spelling.correct("ezcema") == "eczema"
    assert spelling.correct("lupis rash scaly") == "lupus rash scaly"
    assert spelling.correct("lupis barj") == "lupus bark"  # no trial has "barj" yet
    Trial.objects.create(key="BARJ", record={}, title="Barj song and eczema")
    assert spelling.correct("lupis barj") == "lupus barj"
    # … nor a common English word, which people mean ("lark": no "bark").
    assert spelling.correct("lupis lark") == "lupus lark"
    # A stop word is no typo: PostgreSQL drops it, so no trial has it ("then" is no "teen").
    assert spelling.correct("lupis then clots") == "lupus then clots"
    # … nor a stop word misspelt: "wich" is "which", not EICH (graft versus host disease in
    # Spanish), "thier" is "their".
    assert spelling.correct("lupis wich one") == "lupus wich one"
    assert spelling.correct("thier lupis") == "thier lupus"
    # … nor a word of another language read as a sign ("squames": scales, not squamous)
    assert spelling.correct("lupis squames") == "lupus squames"
    # Of two words as near, the one beginning as typed: rheumatoid, not the "reumatoid" of
    # the Portuguese artrite reumatoide.
    assert spelling.correct("rhumatoid arthritis") == "rheumatoid arthritis"
    # Words are read whole, in any letters: "psoríase" is no "psor" to respell, and "lupis" is
    # "lupus", not the "lupic" of the Romanian "nefrită lupică" cut at its "ă".
    assert spelling.correct("artrite psoriásica e psoríase") is None
    assert spelling.correct("lupis") == "lupus"
    # A known word's plural is a word too: "joints" is not respelt "joint"
    assert spelling.correct("lupis joints") == "lupus joints"
    # Two words typed without their space are two words
    assert spelling.correct("rheumatoidarthritis") == "rheumatoid arthritis"
    assert spelling.correct("psoriaticarthritis trials") == "psoriatic arthritis trials"
    # … and a name's word typed in two is one ("sclero derma"), whatever is between them;
    # not two words people write ("break out" is no "breakout", nor "hair loss" one word).
    assert spelling.correct("sclero derma lungs") == "scleroderma lungs"
    assert spelling.correct("Derma-tomyositis rash") == "dermatomyositis rash"
    assert spelling.correct("i break out in hives") is None
    assert spelling.correct("lupus hair loss") is None


def test_respelling_reads_the_vocabulary_once_not_at_every_query(django_assert_max_num_queries):
    """The lexicon, the names' words, the labels and the sounds are all kept: with room for
    fewer, each evicted another and every respelling read the vocabulary again (28 ms a relaxed
    query)."""
    from trials.search import spelling

    for typed in ("sclero derma lungs", "loopus", "rhumatoid arthritis zxq"):
        spelling.correct(typed)
    for typed in ("sclero derma lungs", "loopus", "rhumatoid arthritis zxq"):
        with django_assert_max_num_queries(1):  # the words the trials have (_in_trials)
            spelling.correct(typed)


def test_a_word_that_sounds_like_a_vocabulary_word_is_respelt():
    """Farther than a typo or two, a word spelt as it sounds ("loopus", "skleroderma"); never a
    relative ("wife": people's words, not the "wine" of port-wine stains)."""
    from trials.search import spelling

    assert spelling.sound("loopus") == spelling.sound("lupus") == "lupus"
    assert spelling.correct("loopus") == "lupus"
    assert spelling.correct("dermatomyosytys") == "dermatomyositis"
    assert spelling.correct("my wife has loopus") == "my wife has lupus"
    assert spelling.correct("my husband") is None
    # a silent "p", a word cut in two as it is said; of two words that sound alike
    # ("psoriasis", "psoriazis"), the nearer
    assert spelling.sound("sorry-asis") == spelling.sound("psoriasis") == "soriasis"
    assert spelling.correct("sorry-asis on my elbows") == "psoriasis on my elbows"
    # "tz" said as "z" ("skitzofrenia": schizophrenia, as one of its names spells it)
    assert spelling.sound("skitzofrenia") == spelling.sound("schizophrenia")
    fixed = spelling.corrections("my brother has skitzofrenia")["skitzofrenia"]
    assert spelling.sound(fixed) == spelling.sound("schizophrenia")
    # an accent the vocabulary's name has not (Portuguese "lúpus"); not one it has
    assert spelling.correct("minha mãe tem lúpus") == "minha mãe tem lupus"
    assert spelling.correct("psoríase") is None
    # another language's own small words are no typos ("sobre" is no "sore", "con" no "on")
    assert "sobre" not in spelling.corrections("pesquisa sobre a psoríase")
    assert "dans" not in spelling.corrections("lupus dans la famille")


def test_a_typo_keeps_its_first_letter():
    """A word one edit from a vocabulary word that begins otherwise and from an everyday English
    word that begins as it does is that English word misspelt: "spred" is "spread", not "pred"
    (prednisolone). A vocabulary word that begins as the typo does is respelt as before, though
    an English word is as near ("fevr": fever, not fear; "famillial": familial, not familiar),
    and so is a word whose first letter is silent ("sorisis": psoriasis)."""
    from trials.search import spelling

    assert spelling._nearest("spred", spelling._lexicon()[1]) == "pred"  # what it was respelt
    assert "spred" not in spelling.corrections("her lung cancer spred to her brain")
    fixes = spelling.corrections("famillial mediteranean fevr kids")
    assert fixes == {"famillial": "familial", "mediteranean": "mediterranean", "fevr": "fever"}
    assert spelling.corrections("sorisis on my elbows") == {"sorisis": "psoriasis"}


def test_a_word_with_accents_one_letter_from_a_name_is_respelt():
    """A disease's name written in another language, one letter from the vocabulary's once its
    accents are gone ("rosacée" in French: rosacea); not a word two letters from one
    ("provocó", Spanish, is no "protocol")."""
    from trials.search import spelling

    assert spelling.corrections("j'ai une rosacée depuis des années")["rosacée"] == "rosacea"
    assert "provocó" not in spelling.corrections("la talidomida me provocó neuropatía")
    # nor a short word, nor one a word of people's from a name ("años" is no "anus")
    assert "años" not in spelling.corrections("tengo lupus desde hace años")


def test_a_query_in_another_language_keeps_its_words():
    """A query written in German, Spanish, Danish… (three of that language's stop words, more
    than English's) is respelt only where a word is a name's but for its accents or one
    letter: "arbeite" is no "arterite", "papel" no "paper", "DiGA" (a capital inside) no
    "dira"; "hiperhidrosis" is hyperhidrosis. An English sentence is respelt as before."""
    from trials.search import spelling

    german = "Ich arbeite Vollzeit und bin erschöpft, meine Ärztin hat eine DiGA vorgeschlagen"
    assert spelling.corrections(german) == {}
    fixes = spelling.corrections("me sudan las manos y los pies, tengo hiperhidrosis desde niña")
    assert fixes == {"hiperhidrosis": "hyperhidrosis"}
    assert "papel" not in spelling.corrections("se me moja el papel al escribir, tengo sudor")
    assert spelling.corrections("i have had psoriasys for years and it is not better") == {
        "psoriasys": "psoriasis"
    }
    # English words that are Danish stop words too ("men", "over", "at") make no Danish query
    fixes = spelling.corrections("trials for men over 60 at home with psorriasiss")
    assert fixes == {"psorriasiss": "psoriasis"}


def test_a_brand_only_its_trial_names_is_respelt_in_a_short_query():
    """A short query that finds nothing, one of whose words is no vocabulary word's typo: the
    nearest word of the names of what the trials test ("epicerem": the EpiCeram only its
    trial names); not in a sentence, whose unknown words are more often no typo."""
    from trials.models import Intervention
    from trials.search import spelling

    name = "EpiCeram skin barrier emulsion"
    trial = Trial.objects.create(key="EPI", record={}, title="Eczema study", text_terms=name)
    Intervention.objects.create(trial=trial, name=name)
    assert spelling.corrections("epicerem") == {"epicerem": "epiceram"}
    result = _run(q="epicerem")
    assert result.corrected_to == "epiceram"
    assert "EPI" in _keys(result)
    typed = "my son used epicerem on his arms for months and still scratches at night"
    assert "epicerem" not in spelling.corrections(typed)


def test_stretch_marks_find_the_trials_naming_striae():
    """A condition's other name finds the trials that write its name ("stretch marks": a trial
    taking "erythematous striae" among its criteria), before one with the words apart."""
    Trial.objects.create(
        key="VELOS",
        record={},
        title="Laser for vascular lesions",
        text_criteria="Subject has erythematous scars or erythematous striae",
    )
    Trial.objects.create(
        key="LIVER",
        record={},
        title="Liver care app",
        text_summary="A resource-stretched health system; marks of progress in cirrhosis care",
    )
    found = [trial.key for trial in _run(q="stretch marks").trials]
    assert found.index("VELOS") < found.index("LIVER")
    # a stripe is a sign of linear morphea, no typo of striae
    from trials.search import spelling

    assert "stripe" not in spelling.corrections("a hard shiny stripe running down her leg")


def test_oligoarticular_and_pauciarticular_arthritis_find_each_other():
    """The same subtype of juvenile arthritis, named now and as it was ("pauciarticular JRA")."""
    Trial.objects.create(key="GLA", record={}, title="Pauciarticular juvenile arthritis study")
    Trial.objects.create(key="OLI", record={}, title="Oligoarticular juvenile arthritis study")
    assert {"GLA", "OLI"} <= _keys(_run(q="oligoarticular"))
    assert {"GLA", "OLI"} <= _keys(_run(q="pauciarticular"))


def test_another_language_s_small_words_find_nothing():
    """The words of a sentence in another language that say nothing of what is searched
    ("ne … plus", "depuis", "nicht", "sono") are no search words: "plus" is no trial of "X plus
    Y" for a French back pain that nothing helps any more."""
    Trial.objects.create(key="PLUS", record={}, title="Chemotherapy Plus Antibody for Lung Cancer")
    from trials.search import words

    assert "PLUS" not in _keys(_run(q="mon dos me fait mal depuis des années, rien ne marche plus"))
    assert all(map(words.is_filler, ("plus", "depuis", "seit", "sehr", "nicht", "sono")))
    # not a word of English or medicine ("hay fever", "soy allergy", PAS staining)
    assert not any(map(words.is_filler, ("hay", "soy", "pas", "gli")))


@pytest.mark.parametrize(("q", "title"), [("cherry angiomas", "Laser for benign vascular lesions")])
def test_cosmetic_wishes_in_people_s_words_find_the_trials(q, title):
    Trial.objects.create(key="AESTHETIC", record={}, title=title)
    assert "AESTHETIC" in _keys(_run(q=q))


@pytest.mark.parametrize("q", ["레이저 치료", "レーザー治療", "激光治疗", "brown age spots"])
def test_lasers_and_dark_spots_in_people_s_words_find_the_trials(q):
    """A laser and pigment spots as people say them, in their languages (Korean "레이저" was
    cut in two, "레이" of Raynaud's "레이노" and "저")."""
    Trial.objects.create(key="PICO", record={}, title="Laser for benign pigmented lesions")
    assert "PICO" in _keys(_run(q=q))


@pytest.mark.parametrize(
    ("typed", "other"),
    [
        ("hemophilia", "haemophilia"),
        ("Haematology", "hematology"),
        ("paediatric", "pediatric"),
        ("tumours", "tumors"),
        ("randomised", "randomized"),
        ("fetal", "foetal"),
        ("oedema", "edema"),
        ("centre", "center"),
        # the same both ways, or no such word
        ("centered", None),
        ("estrange", None),
        ("colorectal", None),
        ("hemp", None),
        ("hemisphere", None),
        ("estimate", None),
    ],
)
def test_a_word_spelt_the_british_or_the_american_way_is_searched_both_ways(typed, other):
    from trials.search import words

    assert words.other_spelling(typed) == other


def test_a_tumour_finds_a_tumor_and_back():
    """The registries write either spelling (ISRCTN, the EU's register: British), and
    PostgreSQL's stemmer keeps them apart: each finds the trials written the other way (words
    no vocabulary holds)."""
    Trial.objects.create(key="UK", record={}, title="Tumour oedema after radiotherapy")
    Trial.objects.create(key="US", record={}, title="Tumor edema in a randomized study")
    assert {"UK", "US"} <= _keys(_run(q="tumor edema"))
    assert {"UK", "US"} <= _keys(_run(q="tumour oedema"))


def test_a_relaxed_sentence_respells_the_words_trials_are_about():
    """Each respelt word on its own: "lupis" is about trials, the respelling of "barj" (bark)
    is not, and that one no longer keeps "lupis" from being read as lupus."""
    from trials.search import spelling

    typed = "she has lupis barj"
    assert spelling.corrections(typed) == {"lupis": "lupus", "barj": "bark"}
    result = _run(q=typed)
    assert result.corrected_from == typed
    assert result.corrected_to == "she has lupus barj"
    assert _keys(result) >= CLE


def test_snippets_mark_the_matched_words():
    result = _run(q="thalidomide")
    trial = next(t for t in result.trials if t.key == "NCT01408199")
    assert trial.snippet
    assert any(hit and text.lower().startswith("thalidomide") for text, hit in trial.snippet)


def test_the_title_weighs_more_than_the_summary():
    Trial.objects.create(key="S1", record={}, title="Study one", text_summary="Pruritus relief")
    Trial.objects.create(key="T1", record={}, title="Pruritus relief study")
    result = _run(q="pruritus")
    assert [t.key for t in result.trials][:2] == ["T1", "S1"]


def test_no_results_tell_how_many_each_filter_would_give_back():
    result = _run(country="ES", status="RECRUITING")
    assert result.count == 0
    assert result.drop_counts == {"country": 2, "status": 1}


@pytest.mark.usefixtures("statuses_confirmed")
def test_the_recruiting_switch_keeps_open_trials():
    result = _run(recruiting=1)
    assert {t.status for t in result.trials} == {"RECRUITING", "NOT_YET_RECRUITING"}
    assert result.count == 3


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"study_type": "INTERVENTIONAL"}, 4),
        ({"registry": "ChiCTR"}, 1),
        ({"sex": "female"}, 5),
        ({"age_group": "child"}, 0),
        ({"age_group": "older_adult"}, 5),
        ({"age": 72}, 3),
        ({"refractory": 1}, 5),
    ],
)
def test_more_facets_and_patient_filters(params, count):
    assert _run(**params).count == count


def test_new_facets_have_counts():
    facets = _run().facets
    assert {v.value: v.count for v in facets["age_group"]} == {"adult": 5, "older_adult": 5}
    assert {v.value for v in facets["registry"]} >= {"ClinicalTrials.gov", "ChiCTR"}
    assert {v.value: v.count for v in facets["refractory"]} == {"1": 5}


@pytest.mark.parametrize(
    ("q", "key"),
    [
        ("NCT05488327", "NCT05488327"),
        ("ChiCTR1900025376", "ChiCTR1900025376"),
        ("2009-016508-21", "NCT01408199"),  # a EudraCT number the sponsor gave as its own ID
        ("nct04946669", "NCT04946669"),
    ],
)
def test_a_registry_or_secondary_id_goes_straight_to_the_trial(client, q, key):
    response = client.get("/", {"q": q})
    assert response.status_code == 302
    assert response["Location"] == f"/trials/{key}/"


def test_a_typo_beside_a_correct_word_is_offered_as_a_suggestion():
    result = _run(q="lupis or abatacept")
    assert result.corrected_from is None  # it found something: nothing is replaced
    assert result.suggestion == "lupus or abatacept"
    assert _run(q="lupus or abatacept").suggestion is None


def test_a_quoted_phrase_no_trial_has_is_searched_as_its_words(client):
    """A phrase pasted from a paper, quotes and all: no trial has it word for word, so its
    words are searched as typed bare, and the page says so; a phrase trials have stays one."""
    from trials.search.params import TrialFilterSet

    typed = '"refractory cutaneous dermatomyositis treated with lenalidomide orally"'
    result = _run(q=typed)
    assert result.corrected_from == typed
    assert result.corrected_to == typed.strip('"')
    assert result.count and "NCT05488327" in {hit.trial_id for hit in result.trials}
    data = QueryDict(mutable=True)
    data["q"] = typed
    assert TrialFilterSet(data=data, queryset=Trial.objects.all()).qs.count() == result.count
    html = client.get("/", {"q": typed}).content.decode()
    assert "No trials matched" in html
    kept = _run(q='"cutaneous dermatomyositis"')
    assert kept.corrected_from is None and kept.count
    # A name in quotes inside a person's words is no phrase they want word for word.
    said = 'my dad had "dermatomyositis" and nothing helped'
    assert _run(q=said).count and '"' not in _run(q=said).corrected_to
    assert TrialFilterSet(data=QueryDict(f"q={said}"), queryset=Trial.objects.all()).qs.exists()


def test_a_common_english_word_is_meant_and_not_respelt():
    """Words people mean that no vocabulary holds ("weed", "dads", "vets") are no typos of one
    that does ("week", French "dans", "gets"): pyspellchecker's English word list tells them
    apart. A common word otherwise ended is still respelt ("wrinkly": wrinkle, which the
    english stemmer keeps apart), and a word typed without its accent in an English sentence
    is respelt the English way ("depresion": depression, not Spanish depresión)."""
    from trials.search import spelling

    fixes = spelling.corrections("my dads family and the vets open jars")
    assert not {"dads", "vets", "jars"} & set(fixes), fixes
    assert spelling.corrections("leathery blotchy wrinkly skin")["wrinkly"] == "wrinkle"
    assert spelling.corrections("i smoke to deal with my depresion")["depresion"] == "depression"
    # … nor cut in two ("discover" is no "disc over", "attractive" no "ATTR active").
    assert not {"discover", "attractive"} & set(spelling.corrections("discover attractive"))
    assert spelling.corrections("rheumatoidarthritis") == {
        "rheumatoidarthritis": "rheumatoid arthritis"
    }
    assert "weed" in spelling.common_english_words()
    assert "depresion" not in spelling.common_english_words()


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Lung Cancer", "lung-cancer"),
        ("Non-small Cell Lung Cancer", "non-small-cell-lung-cancer"),
        ("Degenerative Spondylolisthesis", "spondylolisthesis"),
        ("Radiculopathy, Cervical", "cervical-radiculopathy"),
        ("Lumbar Radiculopathy", "radiculopathy"),
        ("Cervical Spondylotic Myelopathy", "cervical-myelopathy"),
        ("Cannabis Use Disorder", "cannabis-use-disorder"),
    ],
)
def test_the_corpus_s_other_fields_have_their_conditions(name, slug):
    """Lung cancer (the group of non-small cell lung cancer), the spine's slipped vertebrae,
    pinched nerves and compressed cord, and cannabis use disorder: a patient's "lung cancer"
    or "spondylolisthesis" names them (session 45's blind sets)."""
    from trials.readers.vocabulary import Vocabulary
    from trials.search import words

    assert Vocabulary.default().match_condition(name) == slug
    assert slug in words.named_conditions(f"any studies for {name.lower()}?")


def test_lung_cancer_names_its_group():
    """ "lung cancer" names the group and non-small cell lung cancer, its member."""
    from trials.search import words

    assert {"lung-cancer", "non-small-cell-lung-cancer"} <= set(
        words.named_conditions("stage 4 lung cancer")
    )
