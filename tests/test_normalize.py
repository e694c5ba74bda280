"""Table tests for the shared normalizers and the vocabulary (no database)."""

import io
import json
import zipfile
from pathlib import Path

import pytest

from trials.readers import ReaderError, detect_format, iter_inputs, read_bytes
from trials.readers import normalize as n
from trials.readers.record import FIELDS, Warning, empty_record
from trials.readers.vocabulary import Vocabulary, code_other_form

V = Vocabulary.default()
SEEDS = Path(__file__).parent.parent / "fixtures" / "sources"

# --- status: every spelling of research.md, mapped deliberately -------------------------------

STATUS_CASES = {
    "Recruiting": "RECRUITING",
    "Not recruiting": "ACTIVE_NOT_RECRUITING",
    "Not yet recruiting": "NOT_YET_RECRUITING",
    "Pending": "NOT_YET_RECRUITING",
    "Authorised-recruitment may be ongoing or finished": "UNKNOWN",
    "Complete": "COMPLETED",
    "Completed": "COMPLETED",
    "Closed: follow-up complete": "COMPLETED",
    "Closed: follow-up continuing": "ACTIVE_NOT_RECRUITING",
    "Suspended": "SUSPENDED",
    "Temporary halt": "SUSPENDED",
    "Temporarily halted": "SUSPENDED",
    "Interrupted": "SUSPENDED",
    "Stopped early": "TERMINATED",
    "Terminated": "TERMINATED",
    "Withdrawn": "WITHDRAWN",
    "Unknown status": "UNKNOWN",
    "Open public recruiting": "RECRUITING",
    "No longer recruiting": "ACTIVE_NOT_RECRUITING",
    "Withheld": "WITHHELD",
    "Not available": "UNKNOWN",
    "Authorised, recruitment pending": "NOT_YET_RECRUITING",
    "Ongoing, recruiting": "RECRUITING",
    "Ongoing, recruitment ended": "ACTIVE_NOT_RECRUITING",
    "Ended": "COMPLETED",
    "Not authorised": "WITHDRAWN",
    "Revoked": "TERMINATED",
    "Expired": "WITHDRAWN",
    "Cancelled": "WITHDRAWN",
    "ENROLLING_BY_INVITATION": "ENROLLING_BY_INVITATION",
    "Active, not recruiting": "ACTIVE_NOT_RECRUITING",
    "UNKNOWN": "UNKNOWN",
    "Approved for marketing": "APPROVED_FOR_MARKETING",
    # other registers' words (IRCT, CTRI, LTR, jRCT, ChiCTR as ICTRP relays them)
    "Recruitment completed": "ACTIVE_NOT_RECRUITING",
    "Recruitment complete": "ACTIVE_NOT_RECRUITING",
    "Closed to Recruitment of Participants": "ACTIVE_NOT_RECRUITING",
    "Open to Recruitment": "RECRUITING",
    "Not recruiting yet": "NOT_YET_RECRUITING",
    "Recruitment stopped": "TERMINATED",
    "Recruitment ended": "ACTIVE_NOT_RECRUITING",
    "Recruiting complete, study complete": "COMPLETED",  # DRKS
    "Recruiting complete, follow-up continuing": "ACTIVE_NOT_RECRUITING",
    "Preinitiation": "NOT_YET_RECRUITING",  # UMIN
    "Complete: follow-up complete": "COMPLETED",
    "Pending (Not yet recruiting)": "NOT_YET_RECRUITING",  # TCTR
    "Reclutando": "RECRUITING",  # RPCEC
    "Withdrawn before recruiting started": "WITHDRAWN",
    "Trial ended prematurely": "TERMINATED",
    "Study completed": "COMPLETED",
}


def _messages(warnings: list[Warning]) -> list[str]:
    """What people read of the warnings (their sentences)."""
    return [w["message"] for w in warnings]


@pytest.mark.parametrize(("raw", "expected"), STATUS_CASES.items())
def test_status_spelling_maps_without_warning(raw, expected):
    warnings: list[Warning] = []
    assert n.parse_status(raw, warnings=warnings) == expected
    assert warnings == []


def test_every_status_spelling_is_compared_by_its_words():
    """A spelling is compared folded (text.fold: Latin letters and digits); one that folds to
    nothing (a status in Japanese) would match every status written in another script."""
    assert all(key for key in n.status_map())
    assert n.parse_status("募集中") == "UNKNOWN"


def test_unknown_status_is_unknown_with_a_warning():
    warnings: list[Warning] = []
    assert n.parse_status("Blue moon", warnings=warnings) == "UNKNOWN"
    assert _messages(warnings) == ["status: unmapped 'Blue moon' read as UNKNOWN"]
    assert (warnings[0]["field"], warnings[0]["code"], warnings[0]["raw"]) == (
        "status",
        "unmapped_value",
        "Blue moon",
    )
    assert n.parse_status(None) == "UNKNOWN"


# --- phases -----------------------------------------------------------------------------------

PHASE_CASES = [
    ("Phase 1", ["PHASE1"], False),
    ("Phase I", ["PHASE1"], False),
    ("Phase1", ["PHASE1"], False),
    ("I", ["PHASE1"], False),
    ("1", ["PHASE1"], False),
    ("Phase 1/Phase 2", ["PHASE1", "PHASE2"], False),
    ("I-II", ["PHASE1", "PHASE2"], False),
    ("1-2", ["PHASE1", "PHASE2"], False),
    ("I+II", ["PHASE1", "PHASE2"], False),
    ("Phase 2/Phase 3", ["PHASE2", "PHASE3"], False),
    ("Phase III/IV", ["PHASE3", "PHASE4"], False),
    ("IIa", ["PHASE2"], False),
    ("Phase IIb", ["PHASE2"], False),
    ("IIIb", ["PHASE3"], False),
    ("Phase III b", ["PHASE3"], False),
    ("Phase 1 to 3", ["PHASE1", "PHASE2", "PHASE3"], False),
    ("Phase I-III", ["PHASE1", "PHASE2", "PHASE3"], False),
    ("Phase 3 study", ["PHASE3"], False),
    ("Phase II clinical trial", ["PHASE2"], False),
    ("Phase II–III", ["PHASE2", "PHASE3"], False),
    ("Ⅱ期", ["PHASE2"], False),
    ("Phase Ⅲ", ["PHASE3"], False),
    ("0", ["EARLY_PHASE1"], False),
    ("Phase 0", ["EARLY_PHASE1"], False),
    ("Early Phase 1", ["EARLY_PHASE1"], False),
    ("EARLY_PHASE1", ["EARLY_PHASE1"], False),
    ("PHASE1, PHASE2", ["PHASE1", "PHASE2"], False),
    ("PHASE4", ["PHASE4"], False),
    ("4", ["PHASE4"], False),
    ("Post-market", ["PHASE4"], False),
    ("N/A", ["NA"], False),
    ("NA", ["NA"], False),
    ("Not applicable", ["NA"], False),
    ("Not selected", [], False),
    ("Not specified", [], False),
    ("", [], False),
    ("New Treatment Measure Clinical Study", [], True),
    ("Pilot study", [], True),
    ("Retrospective study", [], True),
    (
        "Human pharmacology (Phase I): yes Therapeutic exploratory (Phase II): yes "
        "Therapeutic confirmatory - (Phase III): no Therapeutic use (Phase IV): no",
        ["PHASE1", "PHASE2"],
        False,
    ),
]


@pytest.mark.parametrize(("raw", "expected", "warned"), PHASE_CASES)
def test_phase_spelling(raw, expected, warned):
    warnings: list[Warning] = []
    assert n.parse_phases(raw, warnings=warnings) == expected
    assert bool(warnings) == warned


# --- dates ------------------------------------------------------------------------------------

DATE_CASES = [
    ("2019-08-25", "2019-08-25"),
    ("25/08/2019", "2019-08-25"),
    ("17/05/2021", "2021-05-17"),
    ("05/08/2019", "2019-08-05"),
    ("August 25, 2019", "2019-08-25"),
    ("February 1, 2021", "2021-02-01"),
    ("20190825", "2019-08-25"),
    ("27 August 2019", "2019-08-27"),
    ("2019-08", "2019-08"),
    ("August 2019", "2019-08"),
    ("June 3, 2024", "2024-06-03"),
    ("2021-02-01T00:00:00", "2021-02-01"),
    ("Mar-2021", "2021-03"),  # the month alone, as some registries write it
    ("03/2021", "2021-03"),
    ("2021/03", "2021-03"),
    ("2021年4月15日", "2021-04-15"),  # ChiCTR, jRCT
    ("2021年4月", "2021-04"),
    ("15-Mar-21", "2021-03-15"),
    ("15 de marzo de 2021", "2021-03-15"),  # RPCEC
    ("1 de janeiro de 2020", "2020-01-01"),  # REBEC
    ("15. März 2021", "2021-03-15"),  # DRKS in German
    ("15 mars 2021", "2021-03-15"),
]


@pytest.mark.parametrize(("raw", "expected"), DATE_CASES)
def test_date_spelling(raw, expected):
    warnings: list[Warning] = []
    assert n.parse_date(raw, warnings=warnings) == expected
    assert warnings == []


@pytest.mark.parametrize("raw", ["1969-12-31", "1900-01-01"])
def test_placeholder_dates_are_null_with_a_warning(raw):
    warnings: list[Warning] = []
    assert n.parse_date(raw, field="completion", warnings=warnings) is None
    assert _messages(warnings) == [f"completion: placeholder date '{raw}' ignored"]
    assert warnings[0]["code"] == "placeholder_nulled"


def test_unreadable_date_is_null_with_a_warning():
    warnings: list[Warning] = []
    assert n.parse_date("soon", field="start", warnings=warnings) is None
    assert _messages(warnings) == ["start: unreadable date 'soon'"]
    assert (warnings[0]["field"], warnings[0]["raw"]) == ("start", "soon")


# --- enrollment, ages, sex --------------------------------------------------------------------

ENROLLMENT_CASES = [
    ("10 participants", False, 10, False),
    ("20", False, 20, False),
    ("intervention group:15;control group:15;", False, 30, False),
    ("Planned Sample Size: 100; UK Sample Size: 100", False, 100, False),  # ISRCTN: no 200
    ("Total: 100; Group A: 50; Group B: 50", False, 100, False),
    ("Target number of participants: 60", False, 60, False),
    (  # CTRI
        'Total Sample Size="60" Sample Size from India="60" Final Enrollment numbers achieved '
        "(Total)= Applicable only for Completed/Terminated trials",
        False,
        60,
        False,
    ),
    ("试验组：30；对照组：30；", False, 60, False),  # ChiCTR's groups
    ("1,200", False, 1200, False),
    ("1 200", False, 1200, False),
    ("0", True, None, True),
    ("0", False, 0, False),
    ("99999999", False, None, True),
    ("", False, None, False),
    ("unknown", False, None, True),
]


@pytest.mark.parametrize(("raw", "zero", "expected", "warned"), ENROLLMENT_CASES)
def test_enrollment(raw, zero, expected, warned):
    warnings: list[Warning] = []
    assert n.parse_enrollment(raw, zero_is_placeholder=zero, warnings=warnings) == expected
    assert bool(warnings) == warned


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("18 Years", 18),
        ("6 Months", 0.5),
        ("18", 18),
        ("65 Years", 65),
        ("N/A", None),
        ("no limit", None),
        ("", None),
        ("18Y", 18),
        ("18.00 Year(s)", 18),  # CTRI
        ("18 Year(s)", 18),  # PACTR
        ("6 Month(s)", 0.5),
    ],
)
def test_age(raw, expected):
    assert n.parse_age(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(1) Aged 18 to 70 years.", (18, 70)),
        ("Inclusion Criteria:1. Age 18-75 years old (including 18 and 75 years old);", (18, 75)),
        ("1. Dermatomyositis ..., aged 18 years or older, regardless of gender.", (18, None)),
        ("* Age over 18 years", (18, None)),
        ("Adults aged between 18 and 65 years", (18, 65)),
        ("No age words here", (None, None)),
    ],
)
def test_ages_from_criteria_text(text, expected):
    assert n.ages_from_criteria(text) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Both", "ALL"),
        ("Both males and females", "ALL"),  # ANZCTR
        ("Both, male and female", "ALL"),  # DRKS
        ("Men and women", "ALL"),
        ("All", "ALL"),
        ("ALL", "ALL"),
        ("Female", "FEMALE"),
        ("Male", "MALE"),
        ("Male/Female", "ALL"),
        ("Ambos", "ALL"),  # RPCEC, REBEC
        ("Alle", "ALL"),  # DRKS in German
        ("男女均可", "ALL"),  # ChiCTR
        ("男女両方", "ALL"),  # jRCT
        ("女性", "FEMALE"),
        ("", None),
    ],
)
def test_sex(raw, expected):
    assert n.parse_sex(raw) == expected


# --- countries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("China", "CN"),
        ("Spain", "ES"),
        ("Korea, Republic of", "KR"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Taiwan", "TW"),
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("UK", "GB"),
        ("United States", "US"),
        ("Viet Nam", "VN"),
        ("Bolivia (Plurinational State of)", "BO"),  # WHO's spellings
        ("Virgin Islands (U.S.)", "VI"),  # ClinicalTrials.gov
        ("U.S. Virgin Islands", "VI"),
        ("Venezuela (Bolivarian Republic of)", "VE"),
        ("Macedonia, the former Yugoslav Republic of", "MK"),
        ("Atlantis", None),
    ],
)
def test_country_names(name, code):
    assert n.country_code(name) == code


def test_countries_from_addresses_and_cities():
    assert (
        n.country_from_address("Mingri Building, Dongcheng District, Beijing, China 100730") == "CN"
    )
    assert n.country_from_address("1 Shuaifuyuan, Dongcheng District, Beijing 100730") == "CN"
    assert n.country_from_address("Newark, New Jersey") is None  # not the island of Jersey
    assert n.country_from_address("Boston, MA") == "US"  # the city; "MA" is not Morocco


# --- identifiers -----------------------------------------------------------------------------

ID_CASES = [
    ("NCT05488327", "NCT05488327", ("registry", "ClinicalTrials.gov")),
    ("ChiCTR1900025376", "ChiCTR1900025376", ("registry", "ChiCTR")),
    ("ChiCTR-TRC-12002345", "ChiCTR-TRC-12002345", ("registry", "ChiCTR")),
    ("2009-016508-21", "2009-016508-21", ("registry", "EudraCT")),
    ("EUCTR2021-000037-14-ES", "EUCTR2021-000037-14", ("registry", "EU Clinical Trials Register")),
    ("EUCTR2021-000037-14", "EUCTR2021-000037-14", ("registry", "EU Clinical Trials Register")),
    ("ISRCTN38383374", "ISRCTN38383374", ("registry", "ISRCTN")),
    ("DRKS00032447", "DRKS00032447", ("registry", "DRKS")),
    ("JPRN-jRCTs031210288", "JPRN-jRCTs031210288", ("registry", "jRCT")),
    ("jRCTs031210288", "jRCTs031210288", ("registry", "jRCT")),
    ("JPRN-UMIN000012345", "JPRN-UMIN000012345", ("registry", "UMIN-CTR")),
    ("UMIN000012345", "UMIN000012345", ("registry", "UMIN-CTR")),
    ("KCT0001234", "KCT0001234", ("registry", "CRIS")),
    ("CTIS2023-507385-11-00", "CTIS2023-507385-11-00", ("registry", "CTIS")),
    ("2023-507385-11-00", "2023-507385-11-00", ("registry", "CTIS")),
    ("2023-505976-31", "2023-505976-31", ("registry", "CTIS")),  # the suffix left off
    ("NL-OMON12345", "NL-OMON12345", ("registry", "OMON")),
    ("ACTRN12620000123456", "ACTRN12620000123456", ("registry", "ANZCTR")),
    ("CTRI/2020/01/022735", "CTRI/2020/01/022735", ("registry", "CTRI")),
    ("IRCT20190101042205N1", "IRCT20190101042205N1", ("registry", "IRCT")),
    ("PACTR202001123456789", "PACTR202001123456789", ("registry", "PACTR")),
    ("TCTR20200101001", "TCTR20200101001", ("registry", "TCTR")),
    ("SLCTR/2020/012", "SLCTR/2020/012", ("registry", "SLCTR")),
    ("RBR-7zs5p8", "RBR-7zs5p8", ("registry", "ReBEC")),
    ("DLH88086", "DLH88086", ("other", None)),
]


@pytest.mark.parametrize(("raw", "canonical", "classified"), ID_CASES)
def test_identifier_classification(raw, canonical, classified):
    assert n.classify_identifier(raw) == classified
    assert n.canonical_identifier(raw) == canonical


@pytest.mark.parametrize(
    "junk",
    ["ISRCTN00000000", "N/A", "not applicable", "none", "nil", "Nil known", "", "NCT00000000"],
)
def test_junk_identifiers_are_ignored(junk):
    assert n.classify_identifier(junk) is None
    assert n.identifier_entry(junk) is None


def test_ids_in_a_url():
    url = "https://www.example.org/clinical-trials/interleukin-2-dm/NCT05495321"
    assert n.ids_in_text(url) == ["NCT05495321"]


# --- text, criteria, design ---------------------------------------------------------------------


def test_clean_text_turns_markup_into_line_breaks():
    assert n.clean_text("a&lt;br&gt;b<br/>c\r\nd\rE\xa0F  ") == "a\nb\nc\nd\nE F"
    assert n.clean_text("   ") is None
    assert n.clean_text("WBC \\<3.0") == "WBC <3.0"


def test_decode_bytes():
    assert n.decode_bytes("Behçet".encode("utf-16")) == "Behçet"
    assert n.decode_bytes(b"\xef\xbb\xbfNCT") == "NCT"
    assert n.decode_bytes("Sjögren".encode("cp1252")) == "Sjögren"
    with pytest.raises(ValueError, match="binary"):
        n.decode_bytes(b"PK\x03\x04\x00\x00")


CRITERIA = """Inclusion Criteria:

1. Dermatomyositis confirmed in accordance with Bohan-Peter criteria for inflammatory
myopathy, aged 18 years or older.

2. Refractory disease.

Exclusion Criteria:
Any subject meeting any of the following criteria should be excluded:
(1) Pregnancy
(2) Infection with a body temperature of
 38.5 degrees
* Cancer
- Thrombosis
• HIV
3) Tuberculosis"""


def test_criteria_split_on_numbers_and_bullets_joining_wrapped_lines():
    result = n.split_criteria(CRITERIA)
    assert result["inclusion"] == [
        "Dermatomyositis confirmed in accordance with Bohan-Peter criteria for inflammatory "
        "myopathy, aged 18 years or older.",
        "Refractory disease.",
    ]
    assert result["exclusion"] == [
        "Pregnancy",
        "Infection with a body temperature of 38.5 degrees",
        "Cancer",
        "Thrombosis",
        "HIV",
        "Tuberculosis",
    ]
    assert result["text"] == CRITERIA


@pytest.mark.parametrize(
    ("text", "inclusion", "exclusion"),
    [
        ("INCLUSION:\n1. Adults\nEXCLUSION:\n1. Pregnancy", ["Adults"], ["Pregnancy"]),
        (
            "Criteria for inclusion:\n- adults\nCriteria for exclusion:\n- lupus",
            ["adults"],
            ["lupus"],
        ),
        (
            "1. Inclusion criteria\n(1) adults\n2. Exclusion criteria\n(1) lupus",
            ["adults"],
            ["lupus"],
        ),
        ("纳入标准：\n1. 年龄18～65岁\n排除标准：\n1. 妊娠", ["年龄18～65岁"], ["妊娠"]),  # ChiCTR
        # An exclusion heading after a sentence on the same line.
        (
            "Inclusion Criteria: adults over 18. Exclusion Criteria: lupus",
            ["adults over 18."],
            ["lupus"],
        ),
        # … or after any word, when the heading has its colon
        (
            "Inclusion Criteria: - adults with AD - EASI>16 Exclusion Criteria: - pregnancy",
            ["adults with AD - EASI>16"],
            ["pregnancy"],
        ),
        (
            "Inclusion: adults with psoriasis Exclusion: pregnancy",
            ["adults with psoriasis"],
            ["pregnancy"],
        ),
        # capitalised headings after one or two words, at the start of a line
        (
            "Subject Inclusion Criteria:\n- adults\nSubject Exclusion Criteria\n- lupus",
            ["adults"],
            ["lupus"],
        ),
        (
            "Cardiomyopathy Inclusion Criteria (UK only):\n- adults\n"
            "Cardiomyopathy Exclusion Criteria (UK only):\n- lupus",
            ["adults"],
            ["lupus"],
        ),
        ("* Inclusion Criteria:\n* adults\n* Exclusion Criteria:\n* lupus", ["adults"], ["lupus"]),
        # a lead-in naming the criteria is no heading
        (
            "Inclusion Criteria:\nA subject must meet all the following inclusion criteria:\n"
            "1. adults\nExclusion Criteria:\nSubjects meeting any of these exclusion criteria:\n"
            "1. lupus",
            ["adults"],
            ["lupus"],
        ),
        ("Inclusion of patients with psoriasis is planned.", [], []),  # no heading
        # a lower-case "exclusion:" inside a sentence is no heading
        (
            "Inclusion criteria: adults (reason for exclusion: none)",
            ["adults (reason for exclusion: none)"],
            [],
        ),
    ],
)
def test_the_headings_registries_write_split_the_criteria(text, inclusion, exclusion):
    result = n.split_criteria(text)
    assert (result["inclusion"], result["exclusion"]) == (inclusion, exclusion)


def test_criteria_without_headings_are_kept_as_text_only():
    assert n.split_criteria("Adults with psoriasis") == {
        "inclusion": [],
        "exclusion": [],
        "text": "Adults with psoriasis",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Allocation: N/A. Intervention model: Single Group Assignment. Primary purpose: "
            "Treatment. Masking: None (Open Label).",
            ("NA", "SINGLE_GROUP", "NONE", "TREATMENT"),
        ),
        (
            "Allocation: Randomized. Intervention model: Parallel Assignment. Primary purpose: "
            "Treatment. Masking: Quadruple (Participant, Care Provider, Investigator, Outcomes "
            "Assessor).",
            ("RANDOMIZED", "PARALLEL", "QUADRUPLE", "TREATMENT"),
        ),
        ("Parallel", (None, "PARALLEL", None, None)),
        ("Randomized parallel controlled trial", ("RANDOMIZED", "PARALLEL", None, None)),
        ("Single arm", (None, "SINGLE_GROUP", None, None)),
        (
            "Allocation: Randomized. Masking: Single (Outcomes Assessor)",
            ("RANDOMIZED", None, "SINGLE", None),
        ),
        (
            "Controlled: no Randomised: no Open: yes Single blind: no Double blind: no",
            ("NON_RANDOMIZED", None, "NONE", None),
        ),
        # CTRI: words, then labels; the masking is the number of roles blinded
        (
            "Randomized, Parallel Group, Placebo Controlled Trial Method of generating "
            "randomization sequence:Computer generated randomization Blinding and "
            "masking:Participant and Investigator Blinded",
            ("RANDOMIZED", "PARALLEL", "DOUBLE", None),
        ),
        ("Single Arm Trial Blinding and masking:Open Label", (None, "SINGLE_GROUP", "NONE", None)),
        (
            "Non-randomized, Multiple Arm Trial Blinding and masking:Outcome Assessor Blinded",
            ("NON_RANDOMIZED", None, "SINGLE", None),
        ),
        (
            "Randomized, Crossover Trial Blinding and masking:Participant, Investigator, "
            "Outcome Assessor and Date-entry Operator Blinded",
            ("RANDOMIZED", "CROSSOVER", "QUADRUPLE", None),
        ),
    ],
)
def test_design_text(raw, expected):
    d = n.parse_design(raw)
    assert (
        d["allocation"],
        d["intervention_model"],
        d["masking"],
        d["primary_purpose"],
    ) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("INTERVENTIONAL", "INTERVENTIONAL"),
        ("Interventional study", "INTERVENTIONAL"),
        ("Observational", "OBSERVATIONAL"),
        ("Expanded Access", "EXPANDED_ACCESS"),
        ("", None),
    ],
)
def test_study_type(raw, expected):
    assert n.parse_study_type(raw) == expected


# --- vocabulary -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Dermatomyositis", "dermatomyositis"),
        ("DM", "dermatomyositis"),
        ("cutaneous DM", "dermatomyositis"),
        ("Clinically amyopathic dermatomyositis", "dermatomyositis"),
        ("Juvenile Dermatomyositis", "dermatomyositis"),
        ("lupus rash", "cutaneous-lupus-erythematosus"),
        ("Cutaneous Lupus", "cutaneous-lupus-erythematosus"),
        ("skin lupus", "cutaneous-lupus-erythematosus"),
        ("Discoid lupus erythematosus", "cutaneous-lupus-erythematosus"),
        ("SCLE", "cutaneous-lupus-erythematosus"),
        ("systemic lupus erythematosus", "systemic-lupus-erythematosus"),
        ("SLE", "systemic-lupus-erythematosus"),
        ("Moderate to Severe Plaque Psoriasis", "psoriasis"),
        ("Eczema", "atopic-dermatitis"),
        ("Chronic Hand Eczema", "hand-eczema"),
        ("Acne Inversa", "hidradenitis-suppurativa"),
        ("Scleroderma", "systemic-sclerosis"),
        # MeSH's inverted names, as ClinicalTrials.gov lists them
        ("Scleroderma, Circumscribed", "morphea"),
        ("Scleroderma, Localized", "morphea"),
        ("Scleroderma, Systemic", "systemic-sclerosis"),
        ("Dermatitis, Atopic", "atopic-dermatitis"),
        ("Sjögren's syndrome", "sjogren-syndrome"),
        ("Behçet's disease", "behcet-disease"),
        # a mother's antibodies in her baby: not the mother's systemic lupus
        ("Neonatal Lupus", "neonatal-lupus"),
        ("Congenital Heart Block", "neonatal-lupus"),
        ("Fibromyalgia", "fibromyalgia"),
        ("Hypertension", None),
    ],
)
def test_condition_matching(name, slug):
    assert V.match_condition(name) == slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("an IL-13 inhibitor", "il-4-il-13-inhibitors"),  # the vocabulary says "IL-13 inhibitors"
        ("oral retinoid", "retinoids"),  # … "oral retinoids"
        ("a TNF blockers study", "tnf-inhibitors"),  # … "TNF blocker"
        ("anti-IL-36", "il-36-inhibitors"),
    ],
)
def test_a_drug_class_is_named_in_either_number(text, slug):
    assert [m.slug for m in V.find(text, ("class",))] == [slug]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("IL-2", "aldesleukin"),
        ("Interleukin-2", "aldesleukin"),
        ("interleukin 2", "aldesleukin"),
        ("Proleukin", "aldesleukin"),
        ("Low-dose IL-2", "aldesleukin"),
        ("Revlimid", "lenalidomide"),
        ("lenalidomide 10mg qd", "lenalidomide"),
        ("Drug: Abatacept", "abatacept"),
        ("Orencia", "abatacept"),
        ("Dupixent", "dupilumab"),
        ("Humira", "adalimumab"),
        ("cyclosporine A", "ciclosporin"),
        ("HCQ", "hydroxychloroquine"),
        ("IVIG", "human-normal-immunoglobulin"),
        ("placebo 10mg qd", None),
        ("Placebo to match lenalidomide", None),
        ("Saline", None),
    ],
)
def test_drug_matching(name, slug):
    assert V.match_drug(name) == slug


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("ABT-494", "ABT494"),
        ("BI 655066", "BI655066"),
        ("HS10296", "HS-10296"),
        ("LY3074828", "LY-3074828"),
        ("ARGX-113", "ARGX113"),
        ("M281", None),  # one letter: "M 281" is no code
        ("IL-2", None),  # one digit
        ("COVID-19", "COVID19"),  # a name of the same shape: written both ways too
        ("upadacitinib", None),
        ("IL-17 inhibitors", None),
    ],
)
def test_a_drug_code_is_written_joined_or_hyphenated(name, other):
    assert code_other_form(name) == other


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        # ß written ss, as in Switzerland and on keyboards without it
        ("Bandscheibenverschleiss", "degenerative-disc-disease"),
        ("Bandscheibenverschleiß", "degenerative-disc-disease"),
        ("diskusprolaps", "intervertebral-disc-herniation"),  # Danish, Norwegian
        ("nekhernia", "intervertebral-disc-herniation"),  # Dutch
        ("انزلاق غضروفي", "intervertebral-disc-herniation"),  # Arabic
        # the registries' other names of hereditary ATTR polyneuropathy (the corpus's ICTRP)
        ("Hereditary Transthyretin-Mediated Amyloid Polyneuropathy", "transthyretin-amyloidosis"),
        ("Familial Amyloid Polyneuropathies", "transthyretin-amyloidosis"),
    ],
)
def test_a_condition_is_named_in_more_languages(name, slug):
    assert V.match_condition(name) == slug


def test_time_in_therapeutic_range_is_no_amyloidosis():
    """TTR alone is warfarin trials' time in therapeutic range as often as transthyretin."""
    found = V.find("Improving Time in Therapeutic Range (TTR) on Warfarin", ("condition",))
    assert found == []


def test_a_drug_code_is_matched_in_either_form():
    """Registries write a sponsor's code joined, hyphenated or spaced: each is the drug,
    whichever form the vocabulary lists."""
    assert V.match_drug("Drug: ABT494 30 mg") == "upadacitinib"  # listed as ABT-494
    assert V.match_drug("PF-00299804") == "dacomitinib"  # listed as PF00299804
    assert V.match_drug("PF 00299804 45 mg") == "dacomitinib"
    assert [m.slug for m in V.find("then HS-10296 daily", ("drug",))] == ["almonertinib"]


def test_placebo_is_never_a_drug():
    assert V.is_placebo("placebo 10mg qd")
    assert V.is_placebo("Vehicle cream")
    assert not V.is_placebo("Lenalidomide")
    assert "placebo" not in V.drugs


def test_abbreviations_keep_their_case_in_free_text():
    found = [m.slug for m in V.find("Refractory DM and AD", ("condition",))]
    assert found == ["dermatomyositis", "atopic-dermatitis"]
    assert V.find("dosing ad libitum", ("condition",)) == []


def test_vocabulary_data_is_consistent():
    assert len([c for c in V.conditions.values() if c["skin"]]) >= 40
    assert len(V.drugs) >= 150
    for c in V.conditions.values():
        assert c["parent"] is None or c["parent"] in V.conditions
    for d in V.drugs.values():
        assert d["slug"] == d["slug"].lower() and " " not in d["slug"]
        assert all(cls in V.drug_classes for cls in d["classes"])
    for cls in ("corticosteroids", "antimalarials", "immunosuppressants", "biologics", "ivig"):
        assert cls in V.drug_classes
    assert V.drug("aldesleukin")["label"] == "Aldesleukin"
    assert V.condition("morphea")["skin"] is True


def test_a_vocabulary_can_be_built_from_other_data():
    vocab = Vocabulary(
        [{"slug": "x-disease", "label": "X disease", "synonyms": ["XD"], "parent": None}],
        [{"slug": "xumab", "label": "Xumab", "synonyms": ["Xbrand"], "classes": []}],
        [],
    )
    assert vocab.match_condition("xd") == "x-disease"
    assert vocab.match_drug("Xbrand 5 mg") == "xumab"
    assert vocab.match_drug("Humira") is None


# --- refractory ------------------------------------------------------------------------------


def _record(**fields) -> dict:
    record = empty_record("ctgov-page", b"")
    record.update(fields)
    return record


def _dm(**fields) -> dict:
    return _record(conditions=[{"name": "Dermatomyositis", "term": "dermatomyositis"}], **fields)


@pytest.mark.parametrize(
    ("fields", "refractory", "prior"),
    [
        ({"title": "Abatacept in Refractory Dermatomyositis"}, True, []),
        ({"title": "Recalcitrant dermatomyositis"}, True, []),
        ({"summary": "Adults with treatment-resistant dermatomyositis."}, True, []),
        (
            {"summary": "Patients with an inadequate response to methotrexate."},
            True,
            ["methotrexate"],
        ),
        (
            {"summary": "Patients who failed prednisone for at least 3 months."},
            True,
            ["prednisone"],
        ),
        (
            {"summary": "Active rash despite treatment with hydroxychloroquine."},
            True,
            ["hydroxychloroquine"],
        ),
        ({"summary": "Steroid-refractory dermatomyositis."}, True, ["corticosteroids"]),
        ({"title": "Abatacept in new-onset dermatomyositis"}, False, []),
        (
            {
                "criteria": {
                    "inclusion": ["Adults with dermatomyositis"],
                    "exclusion": ["Refractory hypertension", "Failed screening"],
                    "text": "…",
                }
            },
            False,
            [],
        ),
        ({"summary": "Patients with refractory hypertension are excluded."}, False, []),
        (
            {
                "description": "Reports on refractory manifestations of systemic lupus "
                "erythematosus."
            },
            False,
            [],
        ),
    ],
)
def test_refractory_reading(fields, refractory, prior):
    result = V.refractory(_dm(**fields))
    assert result["is_refractory"] is refractory
    assert result["prior_therapies"] == prior
    assert all(len(q) <= 201 for q in result["evidence"])


def test_the_tested_drug_is_no_prior_therapy():
    record = _dm(
        title="Lenalidomide for refractory dermatomyositis",
        interventions=[
            {
                "name": "Lenalidomide",
                "type": "DRUG",
                "description": None,
                "drug": "lenalidomide",
                "is_placebo": False,
            }
        ],
    )
    assert V.refractory(record)["prior_therapies"] == []


def test_long_evidence_is_quoted_short_around_the_cue():
    sentence = "Patients " + "with a long preamble " * 20 + "refractory to methotrexate."
    result = V.refractory(_dm(summary=sentence))
    assert "refractory to methotrexate" in result["evidence"][0]
    assert len(result["evidence"][0]) <= 201


# --- inputs, formats, errors -----------------------------------------------------------------


def test_empty_record_has_every_field_in_schema_order():
    record = empty_record("listing-page", b"x")
    assert list(record) == list(FIELDS)
    assert record["source"]["sha256"] == (
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b"\x00\x01\x02binary", "binary content"),
        (b"Just some text about nothing.", "not a recognised trial document"),
    ],
)
def test_reader_errors_say_why(data, reason):
    assert detect_format(data) is None
    with pytest.raises(ReaderError, match=reason):
        list(read_bytes(data))


def test_an_unknown_format_is_refused():
    with pytest.raises(ReaderError, match="unknown format"):
        list(read_bytes(b"NCT ID: NCT05488327", fmt="pdf"))


def test_iter_inputs_walks_directories_and_zips_and_reports_failures(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_bytes(b"2")
    (tmp_path / "a.txt").write_bytes(b"1")
    (tmp_path / ".hidden").write_bytes(b"h")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inner/one.json", "{}")
        archive.writestr("__MACOSX/._one.json", "x")
    (tmp_path / "c.zip").write_bytes(buffer.getvalue())
    (tmp_path / "d.zip").write_bytes(b"PK\x03\x04 not really")
    got = list(iter_inputs([str(tmp_path), str(tmp_path / "missing.txt")]))
    names = [name.replace(str(tmp_path), "") for name, _ in got]
    assert names == ["/a.txt", "/c.zip:inner/one.json", "/d.zip", "/b/two.txt", "/missing.txt"]
    assert got[1][1].read() == b"{}"
    assert isinstance(got[2][1], Exception)
    assert isinstance(got[4][1], Exception)


def test_normalize_command_prints_json_lines_and_reports_failures(tmp_path):
    from trials.management.commands.normalize import run

    seed = next(SEEDS.glob("004_*.txt"))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    out, err = io.StringIO(), io.StringIO()
    url = "https://example.org/clinical-trials/il-2/NCT05495321"
    assert run([str(seed), str(bad)], fmt=None, url=url, out=out, err=err) == 1
    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert list(record)[:3] == ["schema", "trial_id", "identifiers"]
    assert record["trial_id"] == "NCT05495321"
    assert err.getvalue() == f"{bad}: empty file\n"
    out = io.StringIO()
    assert run([str(seed)], fmt="listing-page", url=None, out=out, err=err) == 0
    assert json.loads(out.getvalue())["trial_id"] is None


CUE_PHRASES = [
    "refractory",
    "recalcitrant",
    "treatment-resistant",
    "steroid resistant",
    "resistant to",
    "resistance to",
    "inadequate response",
    "insufficiently controlled",
    "incomplete responders",
    "partial response",
    "suboptimal responding",
    "poor responders",
    "non-responder",
    "nonresponders",
    "unresponsive to",
    "failed to respond",
    "not responded to",
    "have not responded",
    "failed",
    "failing",
    "failure of",
    "treatment failure",
    "despite prior treatment",
    "lack of efficacy",
    "lack of response",
    "loss of response",
]


@pytest.mark.parametrize("phrase", CUE_PHRASES)
def test_the_cheap_cue_test_passes_every_cue(phrase):
    """The substring pre-test never hides a cue from the regex (it only saves time)."""
    from trials.readers import refractory

    for text in (phrase, phrase.upper(), f"Patients with {phrase.title()} disease."):
        assert refractory._CUE.search(text), text
        assert refractory._may_cue(text), text


def test_the_cheap_cue_test_agrees_with_the_regex_on_every_golden_input():
    from trials.readers import refractory

    data = Path(__file__).parent / "data"
    sentences = [
        s
        for path in sorted(data.glob("*/in/*"))
        for s in refractory._sentences(path.read_text(encoding="utf-8", errors="replace"))
    ]
    cued = [s for s in sentences if refractory._CUE.search(s)]
    assert len(cued) > 10
    assert all(refractory._may_cue(s) for s in cued)
