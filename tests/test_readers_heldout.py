"""Readers on documents written like those the corpus lacks (held-out variants a fuzzing review
wrote from real registers' habits): each case a small document and the value a reader must give.
"""

import pytest

from trials.readers import ictrp_page
from trials.readers.finish import add_identifier
from trials.readers.places import country_from_address
from trials.readers.record import empty_record
from trials.readers.vocabulary import Vocabulary

_PAGE = """World Health Organization site
Main
Register: {register}
Last refreshed on: 6 May 2024
Main ID:  {trial_id}
Date of registration: 14/02/2022
Public title: Community-based treatment of lymphoedema
Recruitment status: Recruiting
Study type:  Interventional
Countries of recruitment
{countries}
Contacts
Name: Jane Smith
Address:  Keppel Street, London, WC1E 7HT, United Kingdom
Email: jane.smith@example.org
Key inclusion & exclusion criteria
Inclusion criteria: Adults aged 18 years and over.
Female: A female participant is eligible if she is not pregnant.
Age minimum: 18 Years
Age maximum: N/A
Gender:
Female: yes
Male: yes
Health Condition(s) or Problem(s) studied
Atopic dermatitis
Results
"""


def _page(countries: str) -> dict:
    text = _PAGE.format(register="ISRCTN", trial_id="ISRCTN43210987", countries=countries)
    return next(iter(ictrp_page.read(text.encode())))


def test_a_contacts_address_is_no_country_of_recruitment():
    assert _page("Ethiopia\nRwanda")["countries"] == ["ET", "RW"]
    # … unless the page names none
    assert _page("")["countries"] == ["GB"]


def test_a_criterion_starting_female_is_no_answer_to_the_eu_sex_lines():
    assert _page("Germany")["sex"] == "ALL"


def test_a_us_state_and_zip_code_make_an_address_american():
    assert country_from_address("Emory University, Atlanta, Georgia 30322") == "US"
    assert country_from_address("Dartmouth, Lebanon, NH 03756") == "US"
    assert country_from_address("Tbilisi, Georgia 0179") == "GE"
    assert country_from_address("Beirut, Lebanon") == "LB"


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        (
            "EudraCT/CTIS number: 2020-001234-56; ClinicalTrials.gov number: NCT04567890",
            [("2020-001234-56", "registry"), ("NCT04567890", "registry")],
        ),
        (
            "2020-001234-57, NCT04567891, IRAS 281234",
            [("2020-001234-57", "registry"), ("NCT04567891", "registry"), ("IRAS 281234", "other")],
        ),
        ("DRKS-ID: DRKS00012345", [("DRKS00012345", "registry")]),
        ("CTRI/2020/01/022345 [Registered on: 2020/01/15]", [("CTRI/2020/01/022345", "registry")]),
        # no registry ID in it: one value, commas and all
        ("ABC-123, Amendment 2", [("ABC-123, Amendment 2", "other")]),
    ],
)
def test_several_secondary_ids_in_one_value_are_each_one(value, ids):
    record = empty_record("ictrp-xml", b"")
    add_identifier(record, value, kind="other")
    assert [(i["id"], i["kind"]) for i in record["identifiers"]] == ids


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Lupus vulgaris", "lupus-vulgaris"),  # skin tuberculosis, not lupus erythematosus
        ("Eczema herpeticum", "eczema-herpeticum"),  # an infection, not atopic dermatitis
        ("Neurodermitis", "atopic-dermatitis"),  # German
        ("Psoríase", "psoriasis"),  # Portuguese
        # The autoinflammatory diseases (a German registry's FMF trials)
        ("Familial Mediterranean Fever", "familial-mediterranean-fever"),
        ("FMF", "familial-mediterranean-fever"),
        ("Muckle-Wells syndrome", "cryopyrin-associated-periodic-syndromes"),
        ("Periodic fever syndromes", "autoinflammatory-diseases"),
        ("TRAPS", "traps"),  # its name says "tumor necrosis factor": no TNF-inhibitor query's
        ("sIBM", "inclusion-body-myositis"),
        ("RA-ILD", "interstitial-lung-disease"),
        ("Juvenile Rheumatoid Arthritis", "juvenile-idiopathic-arthritis"),
        ("Arthritis, Juvenile", "juvenile-idiopathic-arthritis"),
        ("Reactive Arthritis", "reactive-arthritis"),
        ("Granulomatosis With Polyangiitis", "anca-associated-vasculitis"),
        ("Wegener Granulomatosis", "anca-associated-vasculitis"),
        ("Churg-Strauss Syndrome", "anca-associated-vasculitis"),
        ("Polymyalgia Rheumatica", "polymyalgia-rheumatica"),
        ("Stretch Marks", "striae"),
        # The corpus's fields beyond the skin and the joints
        ("Haemophilia A", "hemophilia"),
        ("Non-alcoholic Fatty Liver Disease", "fatty-liver-disease"),
        ("MASH", "fatty-liver-disease"),
        ("Temporomandibular Joint Disorders", "temporomandibular-disorders"),
        ("Tinnitus", "tinnitus"),
        ("Anorexia Nervosa", "eating-disorders"),
        ("Prediabetes", "prediabetes"),
        ("Branch Retinal Vein Occlusion", "retinal-vein-occlusion"),
        ("Photoaging", "photoaging"),
        ("Facial Wrinkles", "photoaging"),
        ("Skin Laxity", "skin-laxity"),
        ("Attention Deficit Hyperactivity Disorder", "adhd"),
        ("ADHD", "adhd"),
        # Other languages' lay names: German, Dutch, French
        ("Reibeisenhaut", "keratosis-pilaris"),
        ("jeugdreuma", "juvenile-idiopathic-arthritis"),
        ("maladie périodique", "familial-mediterranean-fever"),
        ("Striae Distensae", "striae"),
        ("Actinic Keratoses", "actinic-keratosis"),
        # The disorders of keratinization (ichthyosis, keratoderma: its members)
        ("Cutaneous Disorders of Keratinization", "disorders-of-keratinization"),
        ("Disorders of cornification", "disorders-of-keratinization"),
        # Behçet's by its name alone, as people and German registries write it
        ("Behcets", "behcet-disease"),
        ("Morbus Behçet", "behcet-disease"),
        # Polish, the language of many European trials' sites
        ("Atopowe zapalenie skóry", "atopic-dermatitis"),
        ("Łuszczyca plackowata", "psoriasis"),
        ("Twardzina układowa", "systemic-sclerosis"),
        ("Port Wine Stain", "port-wine-stain"),
        ("Capillary Malformation", "port-wine-stain"),
        ("Scarring Alopecia", "cicatricial-alopecia"),
        ("Central Centrifugal Cicatricial Alopecia", "cicatricial-alopecia"),
        # the rheumatic neighbours in the languages their sites' patients write
        ("Artrite psoriásica", "psoriatic-arthritis"),
        ("Osiowa spondyloartropatia", "axial-spondyloarthritis"),
        ("Syndrome de Gougerot-Sjögren", "sjogren-syndrome"),
        ("Artrite idiopatica giovanile", "juvenile-idiopathic-arthritis"),
        ("Ailevi Akdeniz Ateşi", "familial-mediterranean-fever"),
    ],
)
def test_condition_names_of_other_diseases_and_languages(name, slug):
    assert Vocabulary.default().match_condition(name) == slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        # DHEA by any of its names
        ("Dehydroepiandrosterone", "prasterone"),
        ("DHEA", "prasterone"),
        ("Prasterone", "prasterone"),
        ("GL701", "prasterone"),
        # company codes and brands
        ("AZD9291", "osimertinib"),
        ("Tagrisso", "osimertinib"),
        ("S-217622", "ensitrelvir"),
        ("Xocova", "ensitrelvir"),
    ],
)
def test_drugs_by_their_other_names(name, slug):
    assert Vocabulary.default().match_drug(name) == slug
