"""Ages written only in criteria prose, ICTRP's age spellings, and country lists of EU trials.

The phrasings are the kinds seen across registries, written here as short criteria; the guards
are the ways a number near "years" is not an age limit. No database.
"""

import pytest

from trials.readers import detect_format
from trials.readers.normalize import ages_from_criteria, parse_age
from trials.readers.places import countries_in, euctr_member_state

PHRASINGS = [
    ("Aged 18 to 75", (18, 75)),
    ("18-75 years old", (18, 75)),
    ("Age ≥ 18 years", (18, None)),
    (">= 18 yrs", (18, None)),
    ("Age >/= 50 years", (50, None)),
    ("Adults over 18", (18, None)),
    ("At least 18 years of age at screening", (18, None)),
    ("18 years or older", (18, None)),
    ("Patients 18 years of age or older.", (18, None)),
    ("Between 12 and 17 years", (12, 17)),
    ("≤ 65 years", (None, 65)),
    ("Under 18", (None, 17)),
    ("Healthy adults under age 60", (None, 59)),
    ("Children 2 to 11 years with moderate eczema", (2, 11)),
    ("6 months to 17 years", (0.5, 17)),
    ("Participants from birth to <18 years of age", (0, 17)),
    ("Age 4 to <8 years", (4, 7)),
    ("Minimum age 18", (18, None)),
    ("Over the age of 21 at the time of surgery.", (21, None)),
    ("Aged not less than 18 through 75 years", (18, 75)),
    ("Men and women aged 18 years and older", (18, None)),
    ("Age 12+ years", (12, None)),
    ("Age 65 years or younger", (None, 65)),
    ("80 or more years old", (80, None)),
    ("Male or female =18 to =90 years of age;", (18, 90)),
    ("Age > 18 years and < 80 years", (18, 79)),
    ("Adults (≥18 years) and younger than 65 years", (18, 64)),
    ("Age equal or greater than 18 years, but not greater than 70 years old.", (18, 70)),
    ("Age b/w 25 to 65", (25, 65)),
    ("Are 18 (eighteen) years of age or older at the time of surgery.", (18, None)),
    ("1. Age 18-75 years old (including 18 and 75 years old);", (18, 75)),
    ("Female aged 18-45", (18, 45)),
    # Chinese and Japanese ("以上" at least, "以下" at most, "未満" under)
    ("患者年龄18岁以上", (18, None)),
    ("1. 年龄18～65岁，性别不限；", (18, 65)),
    ("年龄在18至70岁之间；", (18, 70)),
    ("年龄不小于18周岁，不超过65周岁", (18, 65)),
    ("1) 年龄≥18岁", (18, None)),
    ("20歳以上75歳未満の患者", (20, 74)),
    ("16歳以上", (16, None)),
    ("年龄大于18岁", (18, None)),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS)
def test_age_phrasings_in_criteria(text, expected):
    assert ages_from_criteria(f"Inclusion criteria:\n1. {text}") == expected
    assert ages_from_criteria(text) == expected  # no headings: every line is read


NOT_LIMITS = [
    # exclusion criteria are never read as bounds
    "Inclusion Criteria:\n- Psoriasis\nExclusion Criteria:\n- Patients older than 80 years",
    "Inclusion:\n- Psoriasis\nExclusion:\n- Age over 80",
    "Exclusion criteria:\n- Age > 80",
    # durations, onset, other people, other ages, measurements
    "Disease duration ≥ 1 year",
    "Psoriasis for 6 months to 5 years",
    "> 6 weeks of unsuccessful conservative treatment",
    "Patients must be at least 4 weeks from major surgery",
    "Onset before age 16",
    "Less than 50 years of age at the time of migraine onset.",
    "Women under 50 years old would be considered postmenopausal if amenorrheic for 12 months",
    "Parents aged 18 years or older",
    "Tattoo age between 1 and 20 years.",
    "Patient with a disc lesion seen on an MRI less than 6 months old.",
    "Body mass index 18 to 30 kg/m2",
    "Subjects ≥ 50 kg",
    "Patients with more than 3 lesions",
    # "=" where the export lost "≥": not guessed
    "Age = 18 years",
    # a condition governs the criterion
    "Confirmed by biopsy if the subject meets any of the following:\n• is over 75 years of age",
    "Patients ≥ 18 years old, except at the children's hospital ≥ 8 years old.",
    "Age: 35 and under for the oral contraceptive stratum",
]


@pytest.mark.parametrize("text", NOT_LIMITS)
def test_what_is_not_an_age_limit(text):
    assert ages_from_criteria(text) == (None, None)


def test_a_long_criterion_full_of_numbers_is_read_in_one_pass():
    """Each age phrase's tests read its neighbourhood, not the whole text before and after it:
    4,000 ranges on one line took 21 s (quadratic), a 1 MB text would have taken hours."""
    text = "Inclusion criteria:\n1. Aged 18-65 years; " + "patients 18-65, " * 4000
    assert ages_from_criteria(text) == (18, 65)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "1. Aged 12 years or older\n2. Adolescent subjects (12 to 17 years of age) must "
            "weigh at least 40 kg",
            (12, None),
        ),
        (
            "Adults aged 65 years and older, or aged 18 to 64 years with a chronic condition",
            (18, None),
        ),
        ("1. Age ≥ 18 years\n2. Age ≤ 75 years", (18, 75)),  # a maximum stated on its own
    ],
)
def test_a_group_open_upwards_leaves_no_maximum(text, expected):
    assert ages_from_criteria(text) == expected


def test_criteria_for_several_groups_give_their_span():
    text = (
        "Inclusion criteria:\n1. Volunteers aged 21 to 85\n2. Patients aged 6 to 85 with dysphagia"
    )
    assert ages_from_criteria(text) == (6, 85)


def test_eu_age_groups_fill_what_the_prose_does_not_say():
    groups = (
        "Are the trial subjects under 18? no\nF.1.2 Adults (18-64 years) yes\n"
        "F.1.3 Elderly (>=65 years) {elderly}"
    )
    assert ages_from_criteria(groups.format(elderly="yes")) == (18, None)
    assert ages_from_criteria(groups.format(elderly="no")) == (18, 64)
    prose = "Inclusion criteria:\n1. Age >/= 50 years\n" + groups.format(elderly="no")
    assert ages_from_criteria(prose) == (50, 64)
    minors = (
        "Are the trial subjects under 18? yes\nF.1.1.5 Children (2-11years) no\n"
        "F.1.1.6 Adolescents (12-17 years) yes\nF.1.2 Adults (18-64 years) yes\n"
        "F.1.3 Elderly (>=65 years) yes"
    )
    assert ages_from_criteria(minors) == (12, None)
    # minors take part, but the groups are not given: no minimum is guessed
    unsaid = "Are the trial subjects under 18? yes\nF.1.2 Adults (18-64 years) yes"
    assert ages_from_criteria(unsaid) == (None, None)


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        ("18Y", "min_age_years", 18),
        ("18Year", "min_age_years", 18),
        ("18 years old", "min_age_years", 18),
        ("0Y", "min_age_years", 0),
        ("0Y", "max_age_years", None),
        ("6Month", "min_age_years", 0.5),
        ("28 Days", "min_age_years", 0.08),
        ("20age old over", "min_age_years", 20),
        ("18岁", "min_age_years", 18),
        ("65+", "min_age_years", 65),
        ("65+", "max_age_years", None),
        ("18 Years and older", "min_age_years", 18),
        ("No limit", "max_age_years", None),
        ("Not limited", "max_age_years", None),
        ("N/A", "min_age_years", None),
        # a strict maximum is one unit below it; a strict minimum stays (as in ages.py)
        ("< 75", "max_age_years", 74),
        ("72 Hours", "max_age_years", 0.01),  # ClinicalTrials.gov, ANZCTR
        ("24 Hours", "min_age_years", 0),
        ("18 años", "min_age_years", 18),
        ("18 anos", "min_age_years", 18),
        ("18 Jahre", "min_age_years", 18),
        ("18周岁", "min_age_years", 18),
        ("75歳以下", "max_age_years", 75),
        ("65 years or younger", "max_age_years", 65),
        ("<75age old", "max_age_years", 74),
        ("75歳未満", "max_age_years", 74),
        ("<= 75", "max_age_years", 75),
        ("< 6Month", "max_age_years", 0.42),
        ("> 20", "min_age_years", 20),
    ],
)
def test_ictrp_age_spellings(raw, field, expected):
    warnings: list = []
    assert parse_age(raw, field=field, warnings=warnings) == expected
    assert warnings == []


def test_age_placeholder_is_null_with_a_warning():
    warnings: list = []
    assert parse_age("99999", field="max_age_years", warnings=warnings) is None
    assert [w["code"] for w in warnings] == ["placeholder_nulled"]


@pytest.mark.parametrize(
    ("value", "codes", "regions"),
    [
        ("Germany;France;Spain", ["DE", "FR", "ES"], []),
        ("Germany\nFrance\nSpain", ["DE", "FR", "ES"], []),
        ("Netherlands, Belgium", ["NL", "BE"], []),
        ("Korea, Republic of;Italy", ["KR", "IT"], []),
        ("European Union", [], ["European Union"]),
        ("EU;France", ["FR"], ["EU"]),
        ("Japan;Asia except Japan;North America", ["JP"], ["Asia except Japan", "North America"]),
    ],
)
def test_country_lists(value, codes, regions):
    assert countries_in(value)[:2] == (codes, regions)


def test_euctr_member_state_from_the_record_id():
    assert euctr_member_state("EUCTR2021-000037-14-ES") == "ES"
    assert euctr_member_state("EUCTR2021-000037-14-3RD") is None
    assert euctr_member_state("NCT01234567") is None


def test_listing_page_fragments_are_recognised_and_plain_text_is_not():
    fragment = "Details\nLead Sponsor:\nExample HospitalTreatments:\nDupilumab\nCriteria\n"
    assert detect_format(fragment.encode()) == "listing-page"
    assert detect_format(b"Inclusion Criteria:\n- Adults aged 18 to 75 years\n") is None
    assert detect_format(b"Lead Sponsor: a company that sells things\n") is None


_IRCT = b"""<?xml version='1.0' encoding='UTF-8' ?>
<Trials_downloaded_from_ICTRP><Trial>
<TrialID>IRCT20190515043601N2</TrialID><Source_Register>IRCT</Source_Register>
<Public_title>Effect of methotrexate on psoriasis</Public_title>
<Recruitment_Status>Recruiting</Recruitment_Status><Condition>Psoriasis</Condition>
<Inclusion_gender>Both males and females</Inclusion_gender>
<Intervention>Intervention 1: Intervention group: Methotrexate 15 mg weekly. Intervention 2:
Control group: Placebo tablets weekly.</Intervention>
</Trial></Trials_downloaded_from_ICTRP>"""


def test_irct_numbered_interventions_are_each_their_own():
    """IRCT writes its interventions on one line, numbered: methotrexate is no placebo."""
    from trials.readers import read_bytes

    (record,) = read_bytes(_IRCT, fmt="ictrp-xml")
    found = [(i["name"], i["drug"], i["is_placebo"]) for i in record["interventions"]]
    assert found == [
        ("Methotrexate 15 mg weekly.", "methotrexate", False),
        ("Placebo tablets weekly.", None, True),
    ]
    assert [arm["label"] for arm in record["arms"]] == ["Intervention group", "Control group"]
    assert record["sex"] == "ALL"


def test_a_clinicaltrials_gov_study_giving_no_ages_takes_those_its_criteria_state():
    """A ClinicalTrials.gov study with no minimum or maximum age whose criteria say "Be
    between 2 and 18 years, inclusive": those ages (the WHO and page readers' rule); one that
    gives an age keeps what it gives."""
    from trials.readers import ctgov_json, ctgov_xml

    criteria = "Inclusion Criteria:\n\n- Be between 2 and 18 years, inclusive.\n- Uveitis"
    study = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT00000001"},
            "eligibilityModule": {"eligibilityCriteria": criteria},
        }
    }
    record = ctgov_json.study_record(study, b"{}")
    assert (record["min_age_years"], record["max_age_years"]) == (2, 18)
    study["protocolSection"]["eligibilityModule"]["minimumAge"] = "6 Years"
    record = ctgov_json.study_record(study, b"{}")
    assert (record["min_age_years"], record["max_age_years"]) == (6, None)
    xml = (
        "<clinical_study><id_info><nct_id>NCT00000002</nct_id></id_info><eligibility>"
        f"<criteria><textblock>{criteria}</textblock></criteria></eligibility></clinical_study>"
    )
    (record,) = ctgov_xml.read(xml.encode())
    assert (record["min_age_years"], record["max_age_years"]) == (2, 18)
