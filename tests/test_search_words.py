"""People's words in the search box (issue 14, points 2, 3 and 6): filler, lay terms, drug
classes, a relaxed search when all words find nothing, and IDs as people paste them."""

import re

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.http import QueryDict

from tests.searching import search_text
from trials.models import Trial
from trials.readers.vocabulary import Vocabulary, combining_marks, tokens
from trials.search import engine, readings, words
from trials.search.params import TrialFilterSet, parse

# What to_tsquery text may hold: words (letters and digits), spaces and the operators we write.
# <->: a phrase with a number; a word's marks ("सोरायसिस": its vowel signs) are no operator
SAFE = re.compile(rf"(?:[\w\s&|(){combining_marks()}]|<->)+")
# A relaxed query naming diseases: its words where trials say what they are about, a name's
# words near each other in a summary (words._near).
WEIGHTED = re.compile(rf"(?:[\w\s&|()]|:(?:ABC|AB|C)\b|<[1-{words.NEAR}]>)+")


_run = search_text


def _keys(result) -> set[str]:
    return {hit.key for hit in result.trials}


# --- reading the words (no database) ----------------------------------------------------------


def test_filler_and_child_words_are_dropped():
    text = words.read("trial for my daughter with eczema").text
    assert "eczema" in text and "dermatitis" in text
    for filler in ("trial", "daughter", "my"):
        assert not re.search(rf"\b{filler}\b", text)
    # Who a trial takes is asked, not searched for: "studies that take people her age" (a trial
    # saying "take" and "age" was listed above those about the disease).
    text = words.read("rheumatoid arthritis, any studies that take people her age?").text
    assert "rheumatoid" in text and not re.search(r"\b(take|age)\b", text)
    text = words.read("lupus studies that accept pregnant women").text
    assert "pregnant" in text and "accept" not in text
    # How often is no topic: "all the time", "constantly" (a lung cancer trial's "time").
    assert "time" not in words.read("my skin itches all the time").text


def test_filler_never_empties_a_search():
    # All filler: nothing is dropped, and the words are read as typed.
    assert words.read("clinical trial study") == words.TextQuery(
        words.WEBSEARCH, "clinical trial study"
    )


@pytest.mark.parametrize(
    ("typed", "means"),
    [
        ("hives", "urticaria"),
        ("itchy skin", "pruritus"),
        ("butterfly rash", "cutaneous & lupus"),
        ("red scaly patches", "psoriasis"),
        ("JAK inhibitor", "upadacitinib"),
        ("TNF blockers", "adalimumab"),
        ("biologic", "dupilumab"),
        # stop words between a phrase's words ("rash on face"), said as people say it
        ("rash on my face", "cutaneous & lupus"),
        ("painful lumps in my armpits", "hidradenitis & suppurativa"),
        ("an IL-13 inhibitor", "lebrikizumab"),  # a class in the other number
        ("my skin is getting hard and tight", "scleroderma"),
        ("topical JAK cream", "ruxolitinib"),  # a class by its target alone
        ("IL-17 psoriasis", "secukinumab"),
        ("sores that won't heal", "pyoderma & gangrenosum"),
        ("eczema studies for darker skin", "ethnic & skin"),
        # a condition's name in another language, or another name of it, means its name
        ("Schuppenflechte", "psoriasis"),
        ("sclérodermie", "systemic & sclerosis"),
        ("localized scleroderma", "morphea"),
        ("birth control pills and lupus", "oral & contraceptives"),
        ("my baby could get heart block", "congenital & heart & block"),
        ("UVA-1 for lupus", "uva1"),
        ("is hormone replacement safe with lupus", "estrogen"),
        ("i tested positive for the gene, no symptoms yet", "carriers"),
        ("i tested positive for the gene, no symptoms yet", "asymptomatic"),
        ("lupus and sticky blood", "antiphospholipid & syndrome"),
        ("im healthy, can i volunteer for a skin study", "healthy & subjects"),
        ("my lupus went to my kidneys and my pee is foamy", "lupus & nephritis"),
        ("my lupus went to my kidneys and my pee is foamy", "proteinuria"),
        ("a bad rash from chemo", "acneiform & rash"),
        # Chinese, Japanese and Korean names of the field's diseases, as typed, without spaces
        ("银屑病", "psoriasis"),
        ("アトピー性皮膚炎", "atopic & dermatitis"),
        ("아토피피부염", "atopic & dermatitis"),
        ("红斑狼疮", "lupus"),
        # … and in the other languages and scripts people search in (session 26)
        ("псориаз, мази не помогают", "psoriasis"),
        ("συστηματικός ερυθηματώδης λύκος", "lupus"),
        ("ניסוי קליני זאבת עורית", "cutaneous & lupus"),
        ("تصلب الجلد الجهازي", "systemic & sclerosis"),
        ("सोरायसिस का नया इलाज", "psoriasis"),
        ("viêm da cơ địa", "atopic & dermatitis"),
        ("dermatomyozitida nereaguje na kortikoidy", "dermatomyositis"),
        ("pikkelysömör", "psoriasis"),
        ("аксиальный спондилоартрит", "axial & spondyloarthritis"),  # session 27
        ("болезнь Бехчета", "behcet"),
        ("红斑狼疮 广东", "systemic & lupus & erythematosus"),
        ("my skin is super oily", "sebum"),
        ("breakouts on my back", "acne"),
        ("steroid-sparing agent in lupus", "steroid & dependent"),
        ("familiäres Mittelmeerfieber", "familial & mediterranean & fever"),
        ("verrugas en las manos", "common & warts"),
        ("crows feet", "periorbital & wrinkles"),
        ("tatuagem", "tattoo"),
        ("machine to melt stubborn belly fat", "cryolipolysis"),
        ("picosecond laser", "picoway"),
        ("monoclonal antibody for psoriasis", "adalimumab"),  # every "-mab" drug
        ("raised scar", "keloid"),
        ("small molecule kinase inhibitor for lupus", "upadacitinib"),  # JAK, TYK2, BTK
        # session 53: people's words for common complaints and ways of taking part
        ("my 6 year old has a lazy eye", "amblyopia"),
        ("my dad has had sugar (type 2) for 10 years", "diabetes"),
        ("i have to rush to the toilet every hour", "overactive & bladder"),
        ("up 3 times a night to pee", "nocturia"),
        ("schlafe schlecht, keine Schlaftabletten", "insomnia"),
        ("he wakes up shouting from bad dreams", "nightmares"),
        ("is there a phone app study for quitting", "digital & therapeutic"),
        ("gibt es eine Studie mit einem Online-Programm", "digital & therapeutic"),
        ("EGFR ex20ins NSCLC", "exon <-> 20 <-> insertion"),
        ("sham-controlled dCBT-I", "cognitive & behavioral"),
        ("DDI study healthy volunteers", "drug & drug & interaction"),
        ("two worn discs in my neck", "cervical & disc"),
        # session 54
        ("my son is hooked on ice", "methamphetamine"),
        ("crystal meth app", "methamphetamine"),
        ("studi con un'iniezione nel disco", "intradiscal"),
        ("studi in Italia senza operazione", "nonoperative"),
        ("dischi lombari degenerati", "degenerative & disc & disease"),
        ("MRI shows desiccated discs", "degenerative & disc & disease"),
        ("TROP2 ADC in previously treated NSCLC", "datopotamab"),
        ("antibody-drug conjugates in lung cancer", "trastuzumab & deruxtecan"),
    ],
)
def test_lay_words_and_drug_classes_add_the_registries_words(typed, means):
    text = words.read(typed).text
    assert means in text
    assert SAFE.fullmatch(text)


def test_adc_alone_is_no_class():
    """ "ADC" is also an MRI's apparent diffusion coefficient: the class only in full or
    with its target ("TROP2 ADC")."""
    assert "deruxtecan" not in words.read("ADC values in degenerated lumbar discs MRI").text


@pytest.mark.parametrize("typed", ["ice packs for burns", "ice cream allergy", "ice bath"])
def test_ice_alone_is_no_drug(typed):
    """ "hooked on ice" is methamphetamine; ice itself is none."""
    assert "methamphetamine" not in words.read(typed).text


def test_a_class_s_antibodies_are_its_members_not_every_antibody():
    """ "anti-TNF mAb": the TNF inhibitors that are antibodies, not a checkpoint inhibitor
    trial found by its antibody's name (read alone, "mAb" is every "-mab" drug)."""
    text = words.read("anti-TNF mAb in axial spondyloarthritis").text
    assert "infliximab" in text and "pembrolizumab" not in text
    assert "pembrolizumab" in words.read("mAb in axial spondyloarthritis").text


def test_a_name_with_a_number_is_a_phrase():
    # "tyrosine kinase 2 inhibitor" (TYK2): its words next to each other, not an EGFR tyrosine
    # kinase inhibitor trial that says "2" anywhere; names without a number stay any order.
    text = words.read("TYK2").text
    assert "(tyrosine <-> kinase <-> 2 <-> inhibitor)" in text
    assert "(janus & kinase & inhibitor)" in words.read("JAK inhibitor").text


@pytest.mark.parametrize(
    ("typed", "spaced"),
    [
        ("银屑病临床试验", "银屑病 临床试验"),  # psoriasis, clinical trial
        ("我女儿有湿疹", "我 女儿 有 湿疹"),  # my daughter has eczema
        ("アトピー性皮膚炎の治験", "アトピー性皮膚炎 の 治験"),
        ("건선임상시험", "건선 임상시험"),
        ("건선이 있는데", "건선 이 있는데"),  # a particle after a name: a word of its own
        # … only at a word's end: none inside a word ("이" in hydroxychloroquine, steroids)
        ("하이드록시클로로퀸이랑 스테로이드", "하이드록시클로로퀸이랑 스테로이드"),
        ("乾癬の治験はありますか", "乾癬 の 治験 は ありますか"),
        ("dupilumab 特应性皮炎 Beijing", "dupilumab 特应性皮炎 Beijing"),
        ("psoriasis in Berlin", "psoriasis in Berlin"),  # nothing to cut: as typed
        ("银屑病生物制剂", "银屑病 生物制剂"),  # an unknown run stays whole
        ("中国生物制剂", "中国 生物制剂"),  # a country's name is cut too: China, biologics
        ("โรคพุ่มพวงมีงานวิจัยไหม", "โรคพุ่มพวง มี งานวิจัย ไหม"),  # Thai: lupus, any research?
    ],
)
def test_chinese_japanese_korean_and_thai_are_cut_into_the_vocabularys_words(typed, spaced):
    assert words.spaced(typed) == spaced


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("ｌｕｐｕｓ ｔｒｉａｌｓ", "lupus trials"),  # full-width letters, from CJK keyboards
        ("ｱﾄﾋﾟｰ性皮膚炎", "アトピー性皮膚炎"),  # half-width katakana
        ("湿\u200b疹", "湿疹"),  # a zero-width space inside a word
        ("lupus\u202e nephritis", "lupus nephritis"),  # a direction mark
        ("lupus\tnephritis\n", "lupus nephritis "),  # a tab or line break is a space
        ("psoriasis", "psoriasis"),
    ],
)
def test_a_query_is_read_with_compatibility_forms_folded_and_invisible_characters_dropped(
    typed, read
):
    assert words.normalized(typed) == read


def test_a_query_the_form_accepts_is_never_made_too_long_by_cutting_its_words(settings):
    """Chinese as long as the form accepts fits it; cut into words it would not: read uncut."""
    data = QueryDict(mutable=True)
    typed = "湿疹" * (settings.SEARCH_QUERY_MAX_CHARS // 2)
    data["q"] = typed
    query, errors = parse(data)
    assert not errors and query.q == typed
    data["q"] = "ｌｕｐｕｓ"
    assert parse(data)[0].q == "lupus" and parse(data)[0].as_typed == "ｌｕｐｕｓ"


def test_unspaced_queries_search_their_diseases_and_read_their_filters():
    data = QueryDict(mutable=True)
    data["q"] = "我女儿有湿疹"  # my daughter has eczema
    query, _ = parse(data)
    assert query.facets["age_group"] == ["child"]
    assert query.as_typed == "我女儿有湿疹"  # shown as typed
    assert "dermatitis" in words.read(query.q).text
    data["q"] = "系统性红斑狼疮招募"  # systemic lupus erythematosus, recruiting
    assert parse(data)[0].recruiting


def test_a_weaker_word_means_the_term_but_the_term_not_it():
    """ "welts" means hives, but "hives" does not mean "welts": a sleep trial's "WELT-IP"
    device is no urticaria trial."""
    assert "urticaria" in words.read("welts").text
    assert "welt" not in words.read("hives").text


def test_a_phrase_skips_two_stop_words_between_its_words_no_more():
    def said(text):
        return {alternative for group in words._groups(text) for alternative in group}

    assert ("herpes", "labialis") in said("cold sores on my lip")
    assert ("herpes", "labialis") in said("cold on the sores")  # two skipped
    # Four: another clause, not a phrase.
    assert ("herpes", "labialis") not in said("its cold and now i have sores on my fingertips")


@pytest.mark.parametrize(
    ("groups", "kept"),
    [
        # "atopic" has another place: "atopic dermatitis" goes ("dermatitis" implies it).
        (
            [[("eczema",), ("atopic", "eczema"), ("atopic", "dermatitis"), ("dermatitis",)]],
            [[("eczema",), ("atopic", "eczema"), ("dermatitis",)]],
        ),
        # "hand" has its own group: "hand eczema" goes.
        (
            [[("hand",)], [("eczema",), ("hand", "eczema")]],
            [[("hand",)], [("eczema",)]],
        ),
        # ... and only there: it stays, or the ranks would change.
        ([[("psoriasis",)], [("eczema",), ("hand", "eczema")]], None),
        # The same words twice: once.
        (
            [[("atopic", "eczema"), ("eczema", "atopic"), ("hand", "eczema")]],
            [[("atopic", "eczema"), ("hand", "eczema")]],
        ),
        ([[("itchy", "skin"), ("pruritus",)]], None),
        # Two drugs' names alike: the alternative that implies the others stays, once.
        (
            [[("il", "2"), ("low", "dose", "il", "2"), ("il", "2"), ("recombinant", "il", "2")]],
            [[("il", "2"), ("low", "dose", "il", "2"), ("recombinant", "il", "2")]],
        ),
        # An alternative of stop words alone vanishes from PostgreSQL's query: it implies nothing.
        ([[("the",), ("the", "eczema")]], None),
        (
            [[("out", "of", "it"), ("out", "of", "it", "rash"), ("rash",)]],
            [[("out", "of", "it"), ("rash",)]],
        ),
    ],
)
def test_an_alternative_another_one_implies_is_left_out_when_its_words_stay(groups, kept):
    groups = [tuple(group) for group in groups]
    expected = groups if kept is None else [tuple(group) for group in kept]
    assert words.needed(groups) == expected


@pytest.mark.django_db
def test_the_stop_words_are_the_server_s_for_every_word_of_the_vocabulary():
    phrases, _ = words._vocabulary()
    every = {
        w
        for phrase, alternatives in phrases.items()
        for alt in (phrase, *alternatives)
        for w in alt
    }
    every |= words.STOP_WORDS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(w) FROM unnest(%s::text[]) AS w WHERE to_tsvector('english', w) = ''",
            [sorted(every)],
        )
        dropped = set(cursor.fetchone()[0])
    assert dropped == words.STOP_WORDS


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    ["hand eczema", "eczema psoriasis", "itchy skin", "butterfly rash", "biologic psoriasis"],
)
def test_leaving_implied_alternatives_out_matches_and_ranks_the_same(typed):
    texts = [
        "Hand eczema since childhood, atopic eczema in the family; atopic dermatitis treated.",
        "Atopic dermatitis of the hands. Eczema elsewhere, hand dermatitis too.",
        "Hand and foot eczema; contact dermatitis. Atopic history.",
        "A hand study: dermatitis, eczema, atopic eczema, atopic dermatitis, hand eczema.",
        "Eczema of the hand and psoriasis.",
        "Atopic dermatitis and psoriasis; hand eczema. Itchy skin, pruritus, itching.",
        "Psoriasis with atopic eczema, dermatitis of hands; butterfly rash, cutaneous lupus.",
        "Lupus: a malar rash, the face rash; atopic psoriasis hand eczema atopic dermatitis.",
        "Interleukin 2 for psoriasis.",  # a drug whose names hold one another (IL-2, low dose)
        "Low dose interleukin 2; recombinant interleukin 2 and psoriasis; biologic agents.",
    ]
    for n, text in enumerate(texts):
        Trial.objects.create(key=f"IMPLIED-{n}", record={}, title=f"Trial {n}", text_summary=text)
    groups = words._groups(typed)
    full = " & ".join(
        "(" + " | ".join("(" + " & ".join(alt) + ")" for alt in group) + ")" for group in groups
    )
    short = words.read(typed).text

    def ranked(text: str) -> list:
        # As the engine ranks them (TrialQuerySet.ranked), the trials matching `text`.
        matching = SearchQuery(text, search_type="raw", config="english")
        trials = Trial.objects.filter(key__startswith="IMPLIED-", search=matching)
        return list(
            trials.ranked(text, search_type="raw").order_by("key").values_list("key", "rank")
        )

    ranked_full = ranked(full)
    assert ranked(short) == ranked_full
    assert ranked_full
    if typed in ("hand eczema", "eczema psoriasis", "biologic psoriasis"):
        assert len(short) < len(full)


@pytest.mark.parametrize("typed", ['"lupus rash"', "lupus -rash", 'lupus or "skin rash"'])
def test_web_search_syntax_is_left_as_typed(typed):
    assert words.read(typed) == words.TextQuery(words.WEBSEARCH, typed)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # either drug, and atopic dermatitis (websearch_to_tsquery: lebrikizumab, or the rest)
        (
            "lebrikizumab or dupilumab atopic dermatitis",
            "((lebrikizumab) | (dupilumab)) & ((atopic)) & ((dermatitis))",
        ),
        ("lupus or psoriasis", "((lupus) | (psoriasis))"),
        ("vaccines on biologics for psoriasis or AD", "(psoriasis) | (ad) | (atopic & dermatitis)"),
        # a condition's name of several words either side is one choice: not SLE or lupus,
        # and nephritis
        ("trials (SLE or lupus nephritis)", "| (lupus & nephritis))"),
        ("lupus nephritis or SLE", "((lupus & nephritis) | (sle) |"),
        ("psoriatic arthritis or ankylosing spondylitis", "((psoriatic & arthritis) | (ankylosing"),
        ("atopic dermatitis or chronic hand eczema", "| (chronic & hand & eczema))"),
    ],
)
def test_or_makes_one_group_of_the_words_either_side(typed, read):
    assert read in words.read(typed).text and words.read(typed).search_type == words.RAW


def test_a_relaxed_query_wants_any_group():
    # Plain words are read as typed (web-search syntax), as they always were.
    assert words.read("lupus psoriasis") == words.TextQuery(words.WEBSEARCH, "lupus psoriasis")
    assert words.read("lupus biopsy", relaxed=True).text == "((lupus)) | ((biopsy))"
    # Diseases alone: trials about some of them (the vector's title, conditions, summary).
    assert words.read("lupus psoriasis", relaxed=True).text == "((lupus:ABC)) | ((psoriasis:ABC))"
    assert words.can_relax("lupus psoriasis")
    assert not words.can_relax("lupus")
    assert not words.can_relax("trial for lupus")  # one group once the filler is dropped
    # One disease's name of several words is not relaxed into its words: no trial about
    # frontal fibrosing alopecia makes none with "fibrosing" (fibrositis: fibromyalgia) one.
    assert not words.can_relax("frontal fibrosing alopecia")
    assert not words.can_relax("frontal fibrosing alopecia trials")
    assert words.can_relax("frontal fibrosing alopecia minoxidil")


@pytest.mark.parametrize(
    ("typed", "diseases"),
    [
        ("pemphigus", True),
        ("lupus nephritis trial", True),
        ("alopecia", True),  # a word of alopecia areata's name, alone
        ("hair loss", True),  # people's words for alopecia
        ("itchy skin in kids", True),
        ("alopecia psoriasis", True),
        ("Behçet's", True),  # the possessive's "s" is a stop word
        ("alopecia methotrexate", False),
        ("adult", False),  # a word of "adult-onset Still disease" that names none alone
        ("hand psoriasis", False),
        ("BP", True),  # bullous pemphigoid's abbreviation, written as the vocabulary has it
        ("bp", False),  # lower case, as blood pressure's too: no word of a condition's name
        ("biopsies", False),
        ("JAK inhibitor", False),
        ('"alopecia"', False),
        ("spondylitis", True),  # axial spondyloarthritis's other name
        ("Morbus Bechterew", True),
        ("antiphospholipid", True),
        ("antibodies", False),  # a word of "antiphospholipid antibody syndrome", no disease alone
        ("Kollagenose", True),  # a kind of disease in another language
        ("maladies de la peau", True),
        ("膠原病", True),
        ("皮肤病", True),  # skin diseases in Chinese, Japanese, Korean
        ("皮膚疾患", True),
        ("피부질환", True),
        ("skin problems", True),  # people's words for skin diseases
        ("maladie", False),  # a word of other languages' names ("maladie de Fabry") alone
        ("enfermedad injerto contra huésped", True),
    ],
)
def test_what_names_diseases(typed, diseases):
    assert words.names_diseases(typed) is diseases


def test_a_kind_of_disease_said_in_another_language_means_it_but_is_not_searched_for_beside_it():
    """ "Kollagenose" means the connective tissue diseases, as "connective tissue disease" does;
    the English name's search does not ask for "Kollagenose" (nor "膠原病", …) too."""
    foreign = words.read("Kollagenose").text
    english = words.read("connective tissue disease").text
    assert "(systemic & sclerosis)" in foreign and "(connective & tissue & disease)" in foreign
    assert "(systemic & sclerosis)" in english
    assert "kollagenose" not in english.lower() and "膠原病" not in english
    found = [(r.parameter, r.value) for r in readings.read("Kollagenose Studien Deutschland")]
    assert found == [("country", "DE")]  # "Studien" in capitals begins no place's name


@pytest.mark.parametrize(
    "typed",
    ["a&b|c!(d)", "lupus:* <-> 'x'", "\\ ( ) |", "Sjögren’s", "红斑狼疮", "½ ² ℃", "İstanbul"],
)
def test_odd_input_gives_only_words_and_our_operators(typed):
    text_query = words.read(typed)
    assert text_query.search_type == words.WEBSEARCH or SAFE.fullmatch(text_query.text)
    for relaxed in (words.read(f"{typed} lupus", True), words.read(f"{typed} itchy", True)):
        assert relaxed.search_type == words.WEBSEARCH or WEIGHTED.fullmatch(relaxed.text)


@pytest.mark.parametrize(
    ("typed", "ids"),
    [
        ("NCT 04946669", ["NCT04946669"]),
        ("nct04946669", ["nct04946669"]),
        (
            "EUCTR2021-000037-14-ES",
            ["EUCTR2021-000037-14-ES", "EUCTR2021-000037-14", "2021-000037-14"],
        ),
        ("NCT05843643, NCT05911841", ["NCT05843643", "NCT05911841"]),
        (
            "NCT05843643;NCT05911841 ChiCTR1900025376",
            ["NCT05843643", "NCT05911841", "ChiCTR1900025376"],
        ),
        ("lupus", []),
        ("psoriasis 12 weeks", []),
        ("2009-016508-21", ["2009-016508-21"]),
        ("NCT 4946669", ["NCT4946669", "NCT04946669"]),  # its leading zero left out
        ("nct123", ["nct123", "NCT00000123"]),
        ("NCT123456789", ["NCT123456789"]),  # no NCT number: left as typed
        ("NCT004318938", ["NCT004318938", "NCT04318938"]),  # a leading zero too many
        # as WHO ICTRP stores Japanese registries' IDs; an EU CT number without CTIS's prefix;
        # a EudraCT number with the EUCTR prefix
        ("UMIN000008396", ["UMIN000008396", "JPRN-UMIN000008396"]),
        ("jRCTs031210288", ["jRCTs031210288", "JPRN-jRCTs031210288"]),
        # a grant number typed with a space inside: also both halves joined
        ("U01 AR042540", ["AR042540", "U01AR042540"]),
        # an NIH Clinical Center protocol number typed without its hyphens
        ("90N0139", ["90N0139", "90-N-0139"]),
        ("00ar0117", ["00ar0117", "00-AR-0117"]),
        ("00-AR-0117", ["00-AR-0117"]),
        (
            "2023-507385-11-00",  # and cut short, as some registries store it
            ["2023-507385-11-00", "CTIS2023-507385-11-00", "2023-507385-11"],
        ),
        ("2023-505976-31", ["2023-505976-31", "2023-505976-31-00", "CTIS2023-505976-31-00"]),
        # with CTIS's prefix: the EU CT number alone, as registries store it
        (
            "CTIS2023-503951-81-00",
            ["CTIS2023-503951-81-00", "2023-503951-81-00", "2023-503951-81"],
        ),
        ("EUCTR2022-003405-30", ["EUCTR2022-003405-30", "2022-003405-30"]),
        # a registry's page pasted: the IDs in its address
        ("https://clinicaltrials.gov/study/NCT04946669", ["NCT04946669"]),
        ("https://clinicaltrials.gov/ct2/show/NCT04946669?term=abatacept", ["NCT04946669"]),
        (
            "https://trialsearch.who.int/Trial2.aspx?TrialID=ChiCTR1900025376",
            ["ChiCTR1900025376"],
        ),
    ],
)
def test_ids_as_people_paste_them(typed, ids):
    assert words.id_candidates(typed) == ids


# --- through the engine, over the seed trials ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        "NCT 04946669",
        "nct 04946669",
        " NCT04946669 ",
        "NCT 4946669",
        "https://clinicaltrials.gov/study/NCT04946669?tab=table",
    ],
)
def test_an_id_with_a_space_or_in_lower_case_is_found(typed):
    result = _run(typed)
    assert result.id_match is not None and result.id_match.key == "NCT04946669"
    assert [hit.key for hit in result.trials] == ["NCT04946669"]
    data = QueryDict(mutable=True)
    data["q"] = typed
    reference = TrialFilterSet(data=data, queryset=Trial.objects.all()).qs
    assert list(reference.values_list("key", flat=True)) == ["NCT04946669"]


@pytest.mark.django_db
def test_several_pasted_ids_are_each_found():
    assert {"NCT05488327", "NCT01408199"} <= _keys(_run("nct05488327, NCT01408199"))


@pytest.mark.django_db
def test_filler_words_find_what_the_word_alone_finds():
    plain = _run("dermatomyositis")
    # (Child words are no longer filler: they are read as the age filter, test_search_readings.)
    wordy = _run("clinical trial for people with dermatomyositis")
    assert wordy.count == plain.count > 0
    assert _keys(wordy) == _keys(plain)
    assert not wordy.relaxed


@pytest.mark.django_db
def test_a_drug_class_finds_the_trials_of_its_members():
    # lenalidomide is an IMiD; abatacept a T-cell co-stimulation modulator.
    assert {"NCT05488327", "NCT01408199", "ChiCTR1900025376"} <= _keys(_run("IMiDs"))
    assert "NCT04946669" in _keys(_run("costimulation blockers"))


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("IL-17 blockade", "il-17-inhibitors"),
        ("TNF antagonists", "tnf-inhibitors"),
        ("C5 inhibition", "complement-inhibitors"),
        ("anti-CD20 inhibition", None),  # an action on "anti-CD20" is no name of it
        ("malarials inhibitors", None),  # "anti-malarials" names no target
    ],
)
def test_a_class_named_by_its_action_is_named_by_the_other_words_for_it(typed, slug):
    # Both readers of the class vocabulary: the records' (a trial's "IL-17 blockade") and the
    # search's ("C5 inhibition" finds eculizumab's trials).
    found = Vocabulary.default().find(typed, ("class",))
    assert [mention.slug for mention in found if mention.text == typed] == ([slug] if slug else [])
    members = [
        alternative for group in words._groups(typed) for alternative in group if len(group) > 1
    ]
    assert (("eculizumab",) in members) == (slug == "complement-inhibitors")


@pytest.mark.django_db
def test_a_lay_word_finds_the_disease_it_means():
    assert "NCT01408199" in _keys(_run("butterfly rash"))


@pytest.mark.django_db
def test_when_all_words_find_nothing_the_search_relaxes_and_says_so(client):
    # No seed trial is about pemphigus: all three words together find nothing.
    result = _run("lenalidomide dermatomyositis pemphigus")
    assert result.relaxed and result.count > 0
    assert result.corrected_from is None
    # The trial with two of the words comes before those with one.
    assert result.trials[0].key == "NCT05488327"
    page = client.get("/", {"q": "lenalidomide dermatomyositis pemphigus"})
    assert "No trial matched all of" in page.content.decode()
    api = client.get("/api/trials/", {"q": "lenalidomide dermatomyositis pemphigus"}).json()
    assert api["relaxed"] is True and api["count"] == result.count
    assert client.get("/api/trials/", {"q": "dermatomyositis"}).json()["relaxed"] is False


@pytest.mark.django_db
def test_a_single_word_that_finds_nothing_does_not_relax():
    result = _run("pemphigus")
    assert result.count == 0 and not result.relaxed


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["a&b|c!(d)", "lupus:* <-> 'x'", "\\ ( ) |", "红斑狼疮 lupus"])
def test_odd_input_never_fails(typed):
    _run(typed)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        "trial for my daughter with dermatomyositis",
        "lenalidomide dermatomyositis pemphigus",
        "butterfly rash",
        "IMiDs",
        "lupus -rash",
        "pemphigus",
    ],
)
def test_the_orm_reference_counts_what_the_engine_counts(typed):
    # tests/test_search_exact.py's oracle, for the new ways of reading words.
    data = QueryDict(mutable=True)
    data["q"] = typed
    reference = TrialFilterSet(data=data, queryset=Trial.objects.all()).qs
    assert _run(typed).count == reference.count()


@pytest.mark.parametrize(
    ("typed", "relaxes"),
    [
        ("lebrikizumab or dupilumab atopic dermatitis", True),  # "or" as people write it
        ('"red scaly" eczema', False),  # a quoted phrase: exactly that
        ("eczema -kids", False),  # a word excluded: never brought back
    ],
)
def test_a_query_whose_only_syntax_is_or_relaxes_like_any_other(typed, relaxes):
    assert words.can_relax(typed) is relaxes
    relaxed = words.read(typed, relaxed=True)
    assert (relaxed.search_type == words.RAW and " or " not in relaxed.text) is relaxes
    # As typed first: web-search syntax, or "or" between groups (words._or_groups).
    assert words.read(typed).search_type == (words.RAW if relaxes else words.WEBSEARCH)


def test_or_between_two_diseases_in_a_sentence_is_a_choice():
    assert words._groups("I have lupus or psoriasis") == [(("lupus",), ("psoriasis",))]
    # Three or more: one group (a 500 when a merge shortened the list under the loop).
    assert words._groups("I have lupus or psoriasis or vitiligo") == [
        (("lupus",), ("psoriasis",), ("vitiligo",))
    ]
    # … between other words, a word like any other
    assert (("or",),) in words._groups("is there a study or app for my lupus")


@pytest.mark.parametrize(
    "typed", ["rheumatology dermatology", "skin diseases and rheumatic diseases"]
)
def test_two_kinds_of_disease_side_by_side_are_either(typed):
    """Fields a clinician searches ("phase 3 recruiting japan rheumatology dermatology"): the
    trials about a disease of either kind, not only those about a disease of both."""
    (group,) = words._groups(typed)
    assert {"rheumatology", "rheumatic"} & {word for words_ in group for word in words_}
    assert {"dermatology", "skin"} & {word for words_ in group for word in words_}


def test_a_kind_beside_a_word_of_another_is_not_either():
    assert len(words._groups("autoimmune skin disease")) == 2


def test_a_filler_phrase_is_dropped_whole_and_its_words_stay_words():
    """ "HAQ-DI as an outcome measure": the instrument, not every trial with an outcome measure;
    "long-term outcome of lupus nephritis" keeps "outcome"; "primary Sjögren's" its "primary"."""
    assert "outcome" not in words.read("HAQ-DI as an outcome measure", True).text
    assert "outcome" in words.read("long-term outcome of lupus nephritis", True).text
    assert "primary" in words.read("trials in primary Sjögren's", True).text
    assert "endpoint" not in words.read("CDASI as primary endpoint", True).text
    assert words.read("primary outcome", True).text  # nothing else left: kept
    # "saw an ad for …" is no atopic dermatitis (AD)
    assert words.read("saw an ad for a laser treatment for acne", True).text == (
        "((laser)) | ((acne))"
    )
    assert "atopic & dermatitis" in words.read("AD phase 3 usa completed", True).text


def test_a_persons_sentence_says_or_as_a_word_and_is_read():
    """ "or" is web-search syntax in a query of keywords, a word in a person's sentence: the
    sentence's people, ages and diseases are read as in any other."""
    assert words.has_syntax("lebrikizumab or dupilumab atopic dermatitis")
    assert words.has_syntax("lupus or rituximab")
    # … but between diseases in a query naming only diseases, a choice of names, read as a
    # person's: each name whole ("frontal fibrosing alopecia", not "or frontal")
    assert not words.has_syntax("axial spondyloarthritis (ankylosing spondylitis or nr-axSpA)")
    assert not words.has_syntax("lichen planopilaris or frontal fibrosing alopecia")
    sentence = "my 10 year old daughter has arthritis, could calcium or fish oil help her?"
    assert not words.has_syntax(sentence)
    assert words.read(sentence).search_type == words.RAW
    assert any(reading.parameter == "age" for reading in readings.read(sentence))
    # Keywords with "or": who the trials are for is read, a failure is not (readings.read).
    assert [r.parameter for r in readings.read("lebrikizumab or dupilumab for children")] == [
        "age_group"
    ]
    assert not readings.read("psoriasis or eczema, methotrexate didn't work")
    assert words.has_syntax('my "red scaly" eczema')  # a quoted phrase is always syntax
    # … nor in an amount ("a visit or two"): a sentence, whose diseases are read
    for sentence in ("fibromyalgia research, just a visit or two?", "eczema study a month or so"):
        assert not words.has_syntax(sentence), sentence
        assert words.about_parts(sentence), sentence


@pytest.mark.parametrize(
    ("typed", "kept", "dropped"),
    [
        ("rheumatologist says its fibromyalgia not arthritis", "fibromyalgia", "arthritis"),
        ("it isn't lupus, my rash is rosacea", "rosacea", "lupus"),
        ("not rheumatoid arthritis but psoriasis", "psoriasis", "rheumatoid"),
        ("psoriasis without arthritis", "psoriasis", "arthritis"),
        ("psoriasis not responding to creams", "psoriasis", None),  # no disease after "not"
        # "without" a few words before what the person wants to be spared, in their language
        ("tattoo removal without leaving a scar", "tattoo", "scar"),
        ("quero tirar uma tatuagem sem ficar cicatriz", "tatuagem", "cicatriz"),
        ("quitar tatuaje sin dejar cicatriz", "tatuaje", "cicatriz"),
        # a risk said, not what the person has (nor a sign they describe)
        ("tattoo removal, lasers can leave white patches on dark skin", "tattoo", "vitiligo"),
        ("methotrexate may cause psoriasis flares?", "methotrexate", "psoriasis"),
        # … not across other words: "placebo" is no bridge
        ("trials without placebo for lupus", "lupus", None),
        # A phrase people say, denied: not searched for (its meanings neither)
        ("phase 1 lupus nephritis studies, not healthy volunteers", "nephritis", "volunteers"),
        ("phase 1 lupus nephritis studies, not healthy volunteers", "nephritis", "subjects"),
    ],
)
def test_what_the_person_says_they_do_not_have_is_not_searched(typed, kept, dropped):
    said = {word for group in words._groups(typed) for words_ in group for word in words_}
    assert kept in said
    assert dropped is None or dropped not in said
    assert dropped is None or dropped not in {" ".join(g[0]) for g in words.signs(typed)}


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("psoriasis no placebo", "((psoriasis)) & ((open)) & ((label))"),
        ("i dont want to end up on placebo", "((open)) & ((label))"),
        ("psoriasis trial without a placebo arm", "((psoriasis)) & ((open)) & ((label))"),
        ("placebo-controlled psoriasis", "placebo-controlled psoriasis"),  # wanted: as typed
    ],
)
def test_a_placebo_refused_is_the_open_label_trials(typed, searched):
    # Every word as typed, or the words read: "no placebo" was searched as "placebo".
    assert words.read(typed).text == searched


@pytest.mark.parametrize(
    ("typed", "not_meant"),
    [
        ("juvenile dermatomyositis", "(dermatomyositis)"),  # narrower: not every DM trial
        ("CREST syndrome", "systemic"),  # an abbreviation in it: a kind, not another name
    ],
)
def test_a_synonym_sharing_a_word_or_made_of_abbreviations_is_not_its_conditions_name(
    typed, not_meant
):
    assert not_meant not in words.read(typed).text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "text"),
    [
        ("CDASI", "Change in Cutaneous Dermatomyositis Disease Area and Severity Index"),
        ("PASI 75", "Proportion reaching 75% improvement in Psoriasis Area and Severity Index"),
        ("mRSS", "Change in the modified Rodnan skin score at week 52"),
        ("blood clots", "Patients with a history of deep vein thrombosis"),
        ("miscarriages", "Women with recurrent miscarriage and lupus"),
    ],
)
def test_an_outcome_measure_finds_the_trials_that_spell_it_out(typed, text):
    # lay_terms.json: a measure clinicians search by means its full name; people's words for
    # what happened to them, the words registries use.
    Trial.objects.create(key="SPELT", record={}, title="A trial", text_summary=text)
    Trial.objects.create(key="OTHER", record={}, title="Another trial", text_summary="75 adults")
    assert [hit.key for hit in search_text(typed).trials][:1] == ["SPELT"]


@pytest.mark.django_db
def test_a_sentence_with_several_ors_between_diseases_is_searched():
    """ "my son has eczema or psoriasis or lupus" answered 500 (the hostile round of session 23)."""
    for typed in ("I have lupus or psoriasis or eczema", "we have eczema or psoriasis or lupus"):
        assert search_text(typed).count  # the seed trials about lupus: searched, not a crash


def test_a_diagnosis_said_is_a_strong_name_among_signs():
    """ "thick hard skin on my palms, derm says its keratoderma": the trials about keratoderma
    are among those a relaxed list may be about, not only the hard skin's (scleroderma)."""
    typed = "thick painful hard skin on my palms, derm says its keratoderma"
    assert "keratoderma" in words._diagnosed(typed)
    parts = [part.text for part, _ in words.about_parts(typed)]
    assert any("keratoderma" in text and "scleroderma" not in text for text in parts) or any(
        "keratoderma" in text and "|" in text for text in parts
    )
    assert not words._diagnosed("thick painful hard skin on my palms and soles")


def test_signs_said_in_french_with_plural_adjectives_are_read():
    # "épaisses" (thick) and "argentées" (silvery) as sign words: psoriasis, not the itchy red
    # patches of eczema
    typed = (
        "des plaques rouges épaisses couvertes de peaux blanches argentées sur les coudes et"
        " les genoux ; ça gratte et ça saigne quand j'arrache les squames"
    )
    assert words.described(typed) == [(("psoriasis",),)]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        # joints swollen weeks after a gut infection: reactive arthritis, not dry eyes
        (
            "3 weeks after food poisoning my eyes got red and gritty, and now my knee and heel"
            " are swollen and hot",
            "reactive arthritis",
        ),
        # hard ivory patches with a purple ring: morphea, before systemic sclerosis
        (
            "two hard, shiny, ivory-white patches on my stomach with a purplish ring, the skin"
            " feels like wood",
            "morphea",
        ),
        # red scaly patches on the scalp and ears that heal into scars and bald spots: discoid
        # lupus, not the rough spots of actinic keratosis or a sore that will not heal
        (
            "round red scaly patches on my scalp and inside my ears. when they heal they leave"
            " white scars and bald spots",
            "discoid lupus",
        ),
    ],
)
def test_signs_of_reactive_arthritis_and_morphea_are_read(typed, meant):
    assert [" ".join(group[0]) for group in words.described(typed)] == [meant]


def test_mouth_and_genital_ulcers_are_behcets_disease():
    typed = "painful mouth ulcers every few weeks, sores on my scrotum and red lumps on my shins"
    described = [" ".join(group[0]) for group in words.described(typed)]
    assert "behcet disease" in described
    for other in ("canker sores in my mouth every month", "sores on my scrotum"):
        assert "behcet disease" not in [" ".join(g[0]) for g in words.described(other)], other


def test_hair_lost_to_lupus_is_lupus_of_the_skin():
    typed = "my hair keeps falling out because of my lupus, any trials for lupus hair loss?"
    assert [" ".join(group[0]) for group in words.described(typed)] == ["cutaneous lupus"]
    assert words.described("lupus nephritis trials") == []


def test_foamy_pee_and_swollen_ankles_are_no_reactive_arthritis():
    typed = "my lupus has gone to my kidneys, my pee is foamy and my ankles keep swelling"
    assert not any("reactive" in group[0] for group in words.signs(typed))


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("mam suche, czerwone, swędzące placki w zgięciach łokci", "atopic dermatitis"),
        ("pielea de pe degete și de pe dosul mâinilor s-a întărit și lucește", "scleroderma"),
        ("dikke schilferende plekken op mijn ellebogen en knieën", "psoriasis"),
        ("dirseklerimde kalın kırmızı pullu plaklar var", "psoriasis"),
    ],
)
def test_signs_said_in_polish_romanian_dutch_and_turkish_are_read(typed, meant):
    assert [" ".join(group[0]) for group in words.described(typed)] == [meant]


def test_a_sign_said_much_more_of_outweighs_one_barely_said():
    typed = (
        "the skin on my palms and the soles of my feet is super thick and yellowish and cracks"
        " open. my dad and my grandma had the exact same thing"
    )
    meant = words.signs(typed)
    assert meant and all("keratoderma" in " ".join(w for alt in g for w in alt) for g in meant)


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("painful acne-like rash from tarceva", set()),  # likened to acne: no acne
        ("a lupus like rash on my arms", set()),
        ("autoinflammatory diseases like FMF", {"familial-mediterranean-fever"}),  # such as
        ("i feel like psoriasis is getting worse", {"psoriasis"}),
    ],
)
def test_a_disease_something_is_likened_to_is_not_named(typed, named):
    assert named <= set(words.named_conditions(typed))
    assert named or not words.named_conditions(typed)


@pytest.mark.parametrize(
    ("typed", "drugs", "classes"),
    [
        ("psoriasis cream no steroids", (), ("corticosteroids",)),
        ("eczema without any biologics", (), ("biologics",)),
        ("i dont want methotrexate for my lupus", ("methotrexate",), ()),
        ("lupus not responding to methotrexate", (), ()),  # a failure, not a refusal
        ("methotrexate for lupus", (), ()),
        ("is anything besides more accutane being tested?", ("isotretinoin",), ()),
        ("psoriasis treatments apart from methotrexate", ("methotrexate",), ()),
        ("eczema anything but steroids", (), ("corticosteroids",)),
        # stopping it is what is refused: keep taking it
        ("RA add-on trials on background MTX (no methotrexate washout)", (), ()),
        ("lupus trials without a steroid taper", (), ()),
        # the immune system not to be lowered: the classes that lower it (session 54)
        (
            "im scared of anything that lowers my immune system, any lupus studies?",
            (),
            words.IMMUNE_SUPPRESSING,
        ),
        ("lupus treatment that doesnt suppress the immune system", (), words.IMMUNE_SUPPRESSING),
        ("psoriasis treatments that boost the immune system", (), ()),
        # tired of it, or not another one
        ("psoriasis trials, not another biologic please", (), ("biologics",)),
        ("im sick of steroids for my eczema", (), ("corticosteroids",)),
        ("fed up with prednisone", ("prednisone",), ()),
        ("another biologic trial for psoriasis", (), ()),
        ("does dupixent lower my immunity", (), ()),
    ],
)
def test_a_treatment_refused_is_read(typed, drugs, classes):
    assert words.refused(typed) == (drugs, classes)


@pytest.mark.django_db
def test_trials_testing_a_treatment_refused_come_last():
    from trials.models import Trial
    from trials.search import cache

    Trial.objects.create(
        key="WITH", record={}, title="Pruritus cream: a steroid cream for pruritus",
        drugs=["prednisone"], drug_classes=["corticosteroids"],
    )  # fmt: skip
    Trial.objects.create(
        key="WITHOUT", record={}, title="Pruritus", text_criteria="A cream of oats; steroids"
    )
    cache.reset()
    found = [hit.key for hit in _run("pruritus cream no steroids").trials]
    assert found.index("WITHOUT") < found.index("WITH")


@pytest.mark.parametrize(
    ("typed", "never_had", "untreated"),
    [
        ("bio-naive AD, EASI >=16", ("biologics",), False),
        ("RA MTX-IR, bDMARD-naive", ("biologics",), False),
        ("TNFi naïve axSpA", ("tnf-inhibitors",), False),
        ("EGFR-TKI naive NSCLC", ("egfr-tkis",), False),
        ("eczema, naive to biologics", ("biologics",), False),
        ("never had a biologic, psoriasis", ("biologics",), False),
        ("no prior JAK inhibitor", ("jak-inhibitors",), False),
        ("treatment-naive stage IV NSCLC", (), True),
        ("previously untreated lupus nephritis", (), True),
        ("stage 4 lung cancer, he hasnt started any treatment yet", (), True),
        ("just diagnosed with rheumatoid arthritis 2 months ago", (), True),
        ("newly dx AL amyloidosis", (), True),
        ("psoriasis not treated with biologics", ("biologics",), False),
        ("my eczema was not treated well by my doctor", (), False),
        # the end-of-session review's: lists, other words for never having had it
        ("biologic and JAK naive", ("biologics", "jak-inhibitors"), False),
        ("naive to biologics and JAK inhibitors", ("biologics", "jak-inhibitors"), False),
        ("b-DMARD naive RA", ("biologics",), False),
        ("haven't tried any biologics", ("biologics",), False),
        ("never received systemic therapy", (), True),
        ("newly-diagnosed myeloma", (), True),
        # … and said not to be, of no one asking, or treated since
        ("not biologic-naive", (), False),
        ("no longer treatment naive", (), False),
        ("exclude treatment-naive patients", (), False),
        ("newly diagnosed lupus, already on hydroxychloroquine", (), False),
        ("newly diagnosed 5 years ago", (), False),
        # short names no class goes by
        ("PD-1 naive NSCLC", ("immune-checkpoint-inhibitors",), False),
        ("chemo-naive", ("chemotherapy",), False),
        ("TKI-naive EGFR NSCLC", ("egfr-tkis",), False),
        ("not ICI-naive", (), False),
        ("not TKI naive", (), False),
        # a treatment had, or no word for never having one
        ("psoriasis, methotrexate didn't help", (), False),
        ("my eczema never went away after prednisone", (), False),
        ("naive T cells in lupus", (), False),
    ],
)
def test_a_treatment_never_had_is_read(typed, never_had, untreated):
    assert words.naive_to(typed) == (never_had, untreated)


@pytest.mark.django_db
def test_trials_requiring_a_treatment_never_had_to_have_failed_come_last():
    """ "biologic-naive hidradenitis": a trial for those whom biologics failed after one that
    asks no such failure; "treatment-naive hidradenitis": every refractory trial after."""
    from trials.models import Trial
    from trials.search import cache

    Trial.objects.create(
        key="FAILED-BIO", record={}, title="Hidradenitis hidradenitis after biologics",
        is_refractory=True, prior_therapies=["biologics"],
    )  # fmt: skip
    Trial.objects.create(
        key="FAILED-ABX", record={}, title="Hidradenitis hidradenitis after antibiotics",
        is_refractory=True, prior_therapies=["antibiotics"],
    )  # fmt: skip
    Trial.objects.create(key="ANY", record={}, title="Hidradenitis")
    cache.reset()
    found = [hit.key for hit in _run("biologic-naive hidradenitis").trials]
    assert found[-1] == "FAILED-BIO", found
    found = [hit.key for hit in _run("treatment-naive hidradenitis").trials]
    assert found[0] == "ANY", found


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("treatment-naive stage IV NSCLC - 1L trials recruiting now", "first"),
        ("first-line immunotherapy for NSCLC", "first"),
        ("ALK+ lung cancer, alectinib as second line?", "later"),
        ("NSCLC progressed on anti-PD-1 (post-ICI) - 2L+ trials", "later"),
        ("previously treated lupus nephritis", "later"),
        # a first line the person had: a later one asked
        ("EGFR NSCLC, PD on 1L gefitinib - trials?", "later"),
        ("driver-negative NSCLC progressing after 1L PD-1 + platinum", "later"),
        ("AL amyloidosis after first-line chemo", "later"),
        # progressing on a treatment alone: no line asked
        ("EGFR exon 20 insertion NSCLC progressed after platinum chemotherapy", None),
        # the end-of-session review's: a first line that failed, lines of other things,
        # refused, more ways to say a later line
        ("psoriasis, first line topical steroids failed", "later"),
        ("refractory to 1L", "later"),
        ("frontline workers with eczema", None),
        ("first line of the criteria", None),
        ("drink 2L of water a day", None),
        ("not first line", None),
        ("not previously treated", "first"),
        ("skin pre-treated with lidocaine cream", None),
        ("post-chemo fatigue", None),
        ("4th line myeloma", "later"),
        ("2 prior lines of therapy", "later"),
        # after a treatment named
        ("post-osimertinib NSCLC", "later"),
        ("post-herpetic neuralgia", None),
        # no line said
        ("psoriasis", None),
        ("pipeline drugs for lupus", None),
        ("1 l of water a day", None),
    ],
)
def test_a_line_of_treatment_asked_is_read(typed, line):
    assert words.line_asked(typed) == line


@pytest.mark.django_db
def test_a_later_line_lists_the_trials_for_those_the_treatment_had_failed_first():
    """ "NSCLC progressed on docetaxel - 2L trials": a trial for those chemotherapy failed
    before one for the untreated and one for those another treatment failed; "NSCLC 1L
    trials": those for the untreated first. A later line with no treatment had named ("NSCLC
    2L trials") orders by the words alone (a failure of any treatment is no failure of theirs)."""
    from trials.models import Trial
    from trials.search import cache

    Trial.objects.create(
        key="AFTER-CHEMO", record={}, title="NSCLC", is_refractory=True,
        prior_therapies=["chemotherapy"],
    )  # fmt: skip
    Trial.objects.create(
        key="AFTER-TKI", record={}, title="NSCLC NSCLC", is_refractory=True,
        prior_therapies=["egfr-tkis"],
    )  # fmt: skip
    Trial.objects.create(key="NAIVE", record={}, title="NSCLC NSCLC study")
    cache.reset()
    found = [hit.key for hit in _run("NSCLC progressed on docetaxel - 2L trials").trials]
    assert found[0] == "AFTER-CHEMO", found
    assert _run("post-docetaxel NSCLC").trials[0].key == "AFTER-CHEMO"
    found = [hit.key for hit in _run("NSCLC 1L trials").trials]
    assert found[0] == "NAIVE" and found[-1] != "NAIVE", found
    assert _run("NSCLC 2L trials").trials[0].key != "AFTER-CHEMO"


def test_every_id_pasted_is_looked_up_with_its_other_forms():
    """Eight EU CT numbers cut short: their forms with "-00" were cut by the cap on IDs."""
    typed = " ".join(f"2023-5039{n:02d}-81" for n in range(12))
    ids = words.id_candidates(typed)
    assert all(f"2023-5039{n:02d}-81-00" in ids for n in range(12))
    assert len(words.id_candidates(" ".join(f"NCT0000{n:04d}" for n in range(80)))) == (
        words.MAX_IDS
    )


def test_a_label_with_another_name_in_brackets_gives_each_name():
    """A group's name means its members' names: "IgA vasculitis (Henoch-Schönlein purpura)" is
    two, each enough (not every word of both)."""
    assert words.label_names("IgA vasculitis (Henoch-Schönlein purpura)") == [
        "IgA vasculitis",
        "Henoch-Schönlein purpura",
    ]
    text = words.read("cutaneous vasculitis").text
    assert "(iga & vasculitis)" in text and "(henoch & schonlein & purpura)" in text


@pytest.mark.django_db
def test_trials_testing_the_drug_that_failed_again_come_last():
    """ "pruritus refractory to methotrexate": those for methotrexate failures first, a trial
    giving methotrexate again after them (a class that failed is no such drug)."""
    from trials.models import Trial
    from trials.search import cache

    for key, drugs in [("AGAIN", ["methotrexate"]), ("OTHER", ["abatacept"])]:
        Trial.objects.create(
            key=key, record={}, title="Refractory pruritus", drugs=drugs, is_refractory=True,
            prior_therapies=["methotrexate"],
        )  # fmt: skip
    cache.reset()
    found = [hit.key for hit in _run("pruritus refractory to methotrexate").trials]
    assert found.index("OTHER") < found.index("AGAIN")


@pytest.mark.django_db
def test_trials_that_turn_away_those_a_drug_failed_come_last_of_all():
    """ "atopic dermatitis failed dupilumab": a trial whose exclusion criteria say "Had prior
    treatment with dupilumab" last, below even one testing it again; not one that only makes
    an exception of it ("wash out … prior to enrollment with the exception of dupilumab")."""
    from trials.models import Trial
    from trials.search import cache

    for key, exclusion, drugs in [
        ("AWAY", ["Had prior treatment with dupilumab"], ["lebrikizumab"]),
        ("AGAIN", [], ["dupilumab"]),
        (
            "EXCEPT",
            [
                "Other biologics must wash out 6 weeks prior to enrollment with the exception"
                " of dupilumab"
            ],
            ["abrocitinib"],
        ),
        ("OTHER", [], ["abrocitinib"]),
    ]:
        Trial.objects.create(
            key=key, record={"criteria": {"exclusion": exclusion}}, title="Atopic dermatitis",
            drugs=drugs, is_refractory=True, prior_therapies=["dupilumab"],
        )  # fmt: skip
    cache.reset()
    found = [hit.key for hit in _run("atopic dermatitis failed dupilumab").trials]
    assert found[-1] == "AWAY" and found.index("AGAIN") > found.index("OTHER")
    assert found.index("EXCEPT") < found.index("AGAIN")


def test_an_abbreviation_the_stemmer_changes_is_no_part_of_what_a_trial_is_about():
    """ "CAPS" is the lexeme 'cap' (a trial called CAP-TTR says it in its title): what a
    relaxed list is about reads the condition's names, not that; "HS" and "pSS" stay."""
    caps = (("caps",), ("cryopyrin", "associated", "periodic", "syndrome"))
    about = words._about([caps]).text
    assert "caps" not in about and "cryopyrin" in about
    assert "caps" in words._about([(("caps",),)]).text  # nothing else to say it with
    assert {"caps", "traps"} <= words._stemmed_abbreviations()
    assert not {"hs", "pss", "iims"} & words._stemmed_abbreviations()


def test_a_word_keeps_the_marks_of_its_letters():
    """A vowel sign is no letter to Python's \\w: "सोरायसिस" (psoriasis in Hindi) was read as
    five words, none the vocabulary's."""
    assert [t[1] for t in tokens("सोरायसिस का इलाज")] == ["सोरायसिस", "का", "इलाज"]
    assert "psoriasis" in words.read("सोरायसिस का नया इलाज").text
    assert words.only_filler("में") is False


def test_a_condition_said_short_after_its_longer_name_is_that_one():
    """ "my lupus … skin lupus": the person's lupus is cutaneous lupus (a name whose words
    another condition's name holds is that one said short); "SLE or lupus nephritis" names
    both, and "lupus" alone systemic lupus with lupus nephritis, its member."""
    skin = words.named_conditions("my lupus is only in my skin, any trials for skin lupus?")
    assert skin == ("cutaneous-lupus-erythematosus",)
    assert set(words.named_conditions("SLE or lupus nephritis")) == {
        "systemic-lupus-erythematosus",
        "lupus-nephritis",
    }
    assert set(words.named_conditions("lupus")) == {
        "systemic-lupus-erythematosus",
        "lupus-nephritis",
    }


def test_the_skin_diseases_people_s_words_mean_are_the_skin_kin_of_a_sentence():
    """ "my father has blisters all over his body": no condition named, but people's words for
    blistering diseases; a relaxed list with few trials about them is filled with those open to
    any skin disease (engine._general_after_named). Signs described are read as such."""
    kin = words.skin_kin("my 85 year old father has blisters all over his body")
    assert "autoimmune-blistering-diseases" in kin
    assert words.skin_kin("my fingers turn white in the cold and my hands are getting tight") == ()


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("Morbus Recklinghausen", "neurofibromatosis-type-1"),
        ("EICH crónica cutánea", "graft-versus-host-disease"),
        ("maladie de Duhring-Brocq", "dermatitis-herpetiformis"),
        ("色素性乾皮症の息子", "xeroderma-pigmentosum"),
        ("basal cell nevus syndrome", "gorlin-syndrome"),
        ("آرتریت روماتوئید دارم", "rheumatoid-arthritis"),  # Persian
        ("Έχω συστηματικό ερυθηματώδη λύκο", "systemic-lupus-erythematosus"),  # Greek, as said
        # session 37: transthyretin amyloidosis as Portugal names it; AL amyloidosis; GCA
        ("o meu pai tem a doença dos pezinhos", "transthyretin-amyloidosis"),
        ("paramiloidose V30M", "transthyretin-amyloidosis"),
        ("just diagnosed with AL amyloidosis", "light-chain-amyloidosis"),
        ("Morbus Horton", "giant-cell-arteritis"),
        ("temporal arteritis in my mom", "giant-cell-arteritis"),
        ("Kinderrheuma Augenentzündung Studie", "juvenile-idiopathic-arthritis"),
        ("wild-type ATTR amyloidosis in his heart", "transthyretin-amyloidosis"),
        ("senile cardiac amyloidosis", "transthyretin-amyloidosis"),
        ("허리디스크 때문에 다리까지 저리고 아파요", "intervertebral-disc-herniation"),  # Korean
        ("boyun fıtığım var, sol koluma vuruyor", "intervertebral-disc-herniation"),  # Turkish
        # the corpus's diseases outside the field
        ("studi sulla schizofrenia ancora in corso", "schizophrenia"),
        ("essais cliniques sur la dépression", "major-depressive-disorder"),
        ("PTSD with nightmares almost every night", "post-traumatic-stress-disorder"),
        # session 38: a port-wine stain and hyper-IgD syndrome as parents name them
        ("une tache de vin (angiome plan) sur la joue", "port-wine-stain"),
        ("Feuermal im Gesicht", "port-wine-stain"),
        ("deficiencia de mevalonato quinasa (hiper-IgD)", "mevalonate-kinase-deficiency"),
        # session 39: the DNA repair disorders (xeroderma pigmentosum's group)
        ("our 3 year old was just diagnosed with cockayne syndrome", "cockayne-syndrome"),
        ("síndrome de Cockayne", "cockayne-syndrome"),
        ("what trials are there for trichothiodystrophy?", "trichothiodystrophy"),
        ("defective DNA repair", "xeroderma-pigmentosum"),  # the group's members too
    ],
)
def test_diseases_by_their_names_in_other_languages(typed, slug):
    assert slug in words.named_conditions(words.spaced(typed))


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("تشخيصها بالذئبة الحمراء", "تشخيصها ب الذئبة الحمراء"),  # with the lupus
        ("للذئبة الحمراء", "ل الذئبة الحمراء"),  # for the lupus: the article's alif gone
        ("والصدفية", "و الصدفية"),  # and the psoriasis
        ("بالغ", "بالغ"),  # adult: no word of the vocabulary after "ب"
    ],
)
def test_a_word_arabic_joins_before_a_disease_is_apart(typed, read):
    assert words.spaced(typed) == read
    if read != typed:
        assert words.named_conditions(read)


def test_a_drug_code_is_no_condition_s_abbreviation():
    """ "HS-10296" is almonertinib's code, not hidradenitis (HS) and a number."""
    assert words.named_conditions("trial of HS-10296 for lung cancer") == (
        "lung-cancer",
        "non-small-cell-lung-cancer",
    )
    assert words.named_conditions("HS and adalimumab") == ("hidradenitis-suppurativa",)


@pytest.mark.parametrize(
    ("typed", "drug"),
    [
        ("甲氨蝶呤治疗银屑病", "methotrexate"),  # Chinese, unspaced
        ("来那度胺 皮肤型红斑狼疮", "lenalidomide"),
        ("アダリムマブ 乾癬", "adalimumab"),  # Japanese
        ("Soriatane for psoriasis", "acitretin"),  # a brand
        ("IL-1Ra new-onset sJIA", "anakinra"),
        ("a tolcapona está a ser estudada para paramiloidose?", "tolcapone"),
        ("winrevair for scleroderma PAH", "sotatercept"),
        ("ATTRアミロイドーシスの下痢にコレスチミド", "colestimide"),
        ("PF-00299804 after osimertinib", "dacomitinib"),  # a code hyphenated (PF00299804)
        ("ABT494 for eczema", "upadacitinib"),  # a code joined (ABT-494)
    ],
)
def test_drugs_by_their_other_names_mean_their_names(typed, drug):
    """A drug's other name (a brand, its name in another script) is the drug (drugs.json) and
    searches its name as the records write it: "Soriatane" finds the trials of acitretin."""
    spaced = words.spaced(typed)
    assert drug in words.named_treatments(spaced)[0]
    assert (drug,) in {alt for group in words._groups(spaced) for alt in group}


@pytest.mark.parametrize(
    ("typed", "markers"),
    [
        ("EGFR wild-type NSCLC", ("EGFR",)),
        ("egfr wild type lung cancer", ("egfr",)),
        ("HER2-negative breast cancer", ("HER2",)),
        ("her2 negative", ("her2",)),
        ("EGFR/ALK-negative NSCLC", ("EGFR", "ALK")),
        ("resectable NSCLC without EGFR/ALK alterations", ("EGFR", "ALK")),
        ("no actionable EGFR mutation", ("EGFR",)),
        ("not EGFR mutated", ("EGFR",)),
        ("non-V30M TTR variants - hereditary ATTR polyneuropathy", ("V30M",)),
        ("RF-negative RA", ("RF",)),
        # none: no marker, a drug's or a class's name, a negation of something else
        ("triple negative breast cancer", ()),
        ("covid negative", ()),
        ("psoriasis without PsA", ()),
        ("psoriasis trials without placebo", ()),
        ("no IV infusions", ()),
        ("no MRI", ()),
        ("non-TNF biologic", ()),
        ("non-steroidal", ()),
        ("KRAS G12C NSCLC", ()),
        ("diagnosed with wild-type ATTR amyloidosis", ()),
        # the end-of-session review's: capitals throughout, a drug's target, tests, parts of
        # words
        ("NON-SMALL CELL LUNG CANCER EGFR NEGATIVE", ()),
        ("no PD-1 before", ()),
        ("no SGLT2 inhibitors", ()),
        ("MRD negative NSCLC", ()),
        ("MRI negative epilepsy", ()),
        ("dsDNA negative lupus", ()),
        ("HCV RNA negative", ()),
        ("AB negative blood type", ()),
        ("schizophrenia negative symptoms", ()),
    ],
)
def test_a_marker_the_disease_is_said_not_to_have_is_read(typed, markers):
    assert words.negated_markers(typed) == markers


@pytest.mark.django_db
def test_trials_about_a_marker_the_disease_is_said_not_to_have_come_last():
    """ "EGFR wild-type NSCLC": the trials for EGFR-mutant or ALK-positive lung cancer after the
    others; not one saying it is about both kinds ("V30M or non-V30M") or without the marker
    ("no driver alterations (EGFR, ALK)"), nor one naming it as an antibody's target."""
    from trials.search import cache

    titles = {
        "MUTANT": "Osimertinib for EGFR-mutant NSCLC",
        "ALK": "Alectinib in ALK-positive NSCLC without EGFR mutation",
        "LOW": "Trastuzumab deruxtecan in HER2-low NSCLC",
        "TKI": "EGFR-TKI sequence in NSCLC",
        "WILD": "Chemotherapy for EGFR wild-type NSCLC",
        "NONE": "NSCLC with no driver alterations (EGFR, ALK, ROS1)",
        "PLAIN": "Radiotherapy in NSCLC",
        "ANTI": "Anti-PD-L1 antibody in NSCLC",
    }
    for key, title in titles.items():
        Trial.objects.create(key=key, record={}, title=title, text_terms="NSCLC EGFR")
    cache.reset()
    found = [hit.key for hit in _run("EGFR wild-type NSCLC").trials]
    assert set(found[-2:]) == {"MUTANT", "TKI"}, found
    # one marker denied by a trial, another not: last for that one
    found = [hit.key for hit in _run("EGFR/ALK-negative NSCLC").trials]
    assert set(found[-3:]) == {"MUTANT", "TKI", "ALK"}, found
    assert "NONE" not in found[-3:], found
    found = [hit.key for hit in _run("HER2-negative NSCLC").trials]
    assert found[-1] != "LOW", found  # HER2-low counts as negative
    found = [hit.key for hit in _run("PD-L1 negative NSCLC").trials]
    assert "ANTI" not in found[-1:], found
    # without the marker denied, the mutant trials are where their words put them
    found = [hit.key for hit in _run("EGFR NSCLC").trials]
    assert found.index("MUTANT") < len(found) - 2, found


@pytest.mark.parametrize(
    ("typed", "sign_read"),
    [
        # what made the person stop a treatment is a reason, not what they search for
        ("the bladder pills gave me a horribly dry mouth so I stopped them, any app?", False),
        ("the VA put him on prazosin but it made him so dry mouthed he stopped", False),
        ("the pills made me so dry in the mouth, i had to stop", False),
        # … a side effect said without stopping may be what they ask about
        ("radiation gave me a dry mouth, are there trials?", True),
        ("my eyes and mouth are so dry", True),
        # … and only a treatment's: "the cold" is no treatment stopped
        ("the cold gives me white fingers so I stopped going outside", True),
        ("my job gave me dry eyes and a dry mouth until I quit", True),
    ],
)
def test_what_made_someone_stop_a_treatment_is_no_sign_read(typed, sign_read):
    assert bool(words.described(typed)) is sign_read


@pytest.mark.parametrize(
    ("typed", "raynaud"),
    [
        ("my fingers turn white and numb in the cold", True),
        ("arm pain and numb fingers from my neck", False),  # a nerve's, not the blood's
    ],
)
def test_numb_fingers_alone_are_no_raynaud(typed, raynaud):
    read = {word for group in words.described(typed) for said in group for word in said}
    assert ("raynaud" in read) is raynaud


@pytest.mark.parametrize(
    ("typed", "drugs", "routes"),
    [
        ("he flat out refuses dupilumab or any injections", ("dupilumab",), {"injected"}),
        ("she refused methotrexate", ("methotrexate",), set()),
        ("he won't take methotrexate", ("methotrexate",), set()),
        # session 53's review: someone else's refusal, conventional DMARDs, "won't do"
        ("insurance refused dupixent, any eczema trials", (), set()),
        ("my doctor refused methotrexate for my psoriasis", (), set()),
        ("creams won't do anything so looking for pills", (), set()),
        ("psoriasis non-dupilumab therapy", ("dupilumab",), set()),
        ("my dad flat out refuses dupilumab", ("dupilumab",), set()),
        ("he takes methotrexate and insulin injections", (), set()),
    ],
)
def test_a_treatment_refused_in_so_many_words_is_refused(typed, drugs, routes):
    assert words.refused(typed)[0] == drugs
    assert words.routes_asked(typed)[1] == routes


def test_non_biologic_dmards_refuse_no_class_non_biologic_therapy_does():
    assert words.refused("inadequate response to non-biologic DMARDs, RA trials") == ((), ())
    assert words.refused("psoriasis non-biologic therapy") == ((), ("biologics",))


@pytest.mark.parametrize(
    ("typed", "had"),
    [
        ("checkpoint inhibitor-pretreated NSCLC", {"immune-checkpoint-inhibitors"}),
        ("anti-PD-1-experienced melanoma", {"immune-checkpoint-inhibitors"}),
        ("ICIs pretreated NSCLC", {"immune-checkpoint-inhibitors"}),
        ("IO-pretreated NSCLC", {"immune-checkpoint-inhibitors"}),
        ("ICI-experienced melanoma", {"immune-checkpoint-inhibitors"}),
        ("essais psoriasis près d'ici", set()),
        ("NSCLC after ICIs", set()),  # a failure, read elsewhere (readings.failed_named)
        ("pre- vs post-infliximab transcriptome", set()),  # when it is measured
        ("io sono malato di psoriasi", set()),  # "io" in lower case is no abbreviation
        ("patients on dupixent experienced conjunctivitis", set()),  # not glued: no history
    ],
)
def test_treatments_the_people_asked_for_were_given_before_are_not_asked_to_be_tested(typed, had):
    assert words.pretreated_with(typed) == had
    drugs, classes = engine._treatments_named(typed)
    assert not had & {*drugs, *classes}
    assert had <= words.treated_before(typed)
