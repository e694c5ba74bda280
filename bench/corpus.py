"""The synthetic corpus: deterministic `trial/1` records (and CT.gov API v2 studies) by index.

Why one module of some 600 lines: the word lists and distributions below are data, kept beside
the few functions that draw from them.

Record `i` depends only on (SEED, GENERATOR_VERSION, i), so any worker can build any slice and a
re-run builds the same corpus. Distributions, roughly what registries show for dermatology:

- conditions: the 60 of trials/vocab/conditions.json, Zipf-ranked (psoriasis and atopic
  dermatitis at the head, a long tail), 1-3 per trial, written as the label or a synonym;
- drugs: the ~190 of trials/vocab/drugs.json, Zipf-ranked, 1-4 per trial, plus a placebo arm
  in ~30% of trials;
- phases: interventional trials have one phase, or two adjacent ones (~15% of all trials);
  observational ones none;
- status: 10% RECRUITING, the rest spread over the other values (COMPLETED the most);
- countries: 40, Zipf-ranked (US, CN, DE, ... at the head), 1-5 per trial, each with 1-2 sites;
- text: titles from templates; summaries, descriptions and criteria from a clinical word list
  drawn with Zipf weights. Three words that the word list never produces are planted with fixed
  probabilities, so that full-text queries for them hit ~0.1%, ~1% and ~20% of trials;
- frequency bands (version 4): lists of made-up words, each word planted independently in ~0.1%,
  ~1% or ~20% of trials, so that the bench can search hundreds of *distinct* words of one
  frequency (`band_words()`; the english stemmer leaves each one as it is, checked at build).

The ClinicalTrials.gov studies of the import benchmark stay those of version 3 (no bands), so
import rates compare across versions.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import re
from bisect import bisect
from dataclasses import dataclass
from functools import cache
from pathlib import Path

GENERATOR_VERSION = 4
# Version 3 added failed drug classes from generators of their own: the other draws are still
# seeded with version 2's name, so the records are version 2's plus those (bench/corpus.py).
# Version 4 added the frequency bands' words, from a generator of their own too.
DRAWS_VERSION = 2
# The import benchmark's studies (make_ctgov_study) have no band words: version 3's, same file.
CTGOV_VERSION = 3
SEED = 20240601
VOCAB_DIR = Path(__file__).resolve().parent.parent / "trials" / "vocab"
SOURCE_FORMAT = "synthetic"

# query type -> (word, fraction of trials it is planted in)
PLANTED = {
    "rare": ("photobiomodulation", 0.001),
    "common": ("teledermatology", 0.01),
    "very_common": ("biomarkers", 0.20),
}

# band -> (fraction of trials each of its words is planted in, how many words). A trial gets
# ~1.5 rare, ~6 common and ~48 very common band words: the very common band is what costs text
# (inserted into the inclusion criteria, weight D); the others go into the summary (C).
BANDS = {
    "rare": (0.001, 1500),
    "common": (0.01, 600),
    "very_common": (0.20, 240),
}
# Made-up words are consonant-vowel syllables, the last vowel a, o or u and never e or y, so
# that no english (Snowball) suffix rule applies: each word is its own lexeme.
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aiou"
_LAST_VOWELS = "aou"
BAND_SYLLABLES = 4

# Heads of the Zipf rankings; the rest of each vocabulary follows in a seeded shuffle.
CONDITION_HEAD = [
    "psoriasis",
    "atopic-dermatitis",
    "hidradenitis-suppurativa",
    "acne",
    "alopecia-areata",
    "vitiligo",
    "chronic-urticaria",
    "systemic-lupus-erythematosus",
    "systemic-sclerosis",
    "rosacea",
    "prurigo-nodularis",
    "bullous-pemphigoid",
    "pemphigus",
    "dermatomyositis",
    "cutaneous-lupus-erythematosus",
]
DRUG_HEAD = [
    "dupilumab",
    "methotrexate",
    "adalimumab",
    "upadacitinib",
    "secukinumab",
    "ustekinumab",
    "apremilast",
    "ruxolitinib",
    "baricitinib",
    "tacrolimus",
    "clobetasol",
    "isotretinoin",
    "rituximab",
    "hydroxychloroquine",
    "omalizumab",
]
FACILITIES = ["University Hospital", "Clinical Research Center", "Dermatology Clinic"]
# ISO code, ClinicalTrials.gov's country name, a few cities. Zipf-ranked in this order.
COUNTRIES = [
    ("US", "United States", ["Boston", "New York", "Houston", "Chicago", "San Diego", "Miami"]),
    ("CN", "China", ["Beijing", "Shanghai", "Guangzhou", "Chengdu", "Wuhan"]),
    ("DE", "Germany", ["Berlin", "Munich", "Hamburg", "Kiel", "Mainz"]),
    ("FR", "France", ["Paris", "Lyon", "Nantes", "Toulouse"]),
    ("GB", "United Kingdom", ["London", "Manchester", "Leeds", "Oxford"]),
    ("ES", "Spain", ["Madrid", "Barcelona", "Valencia", "Sevilla"]),
    ("IT", "Italy", ["Milano", "Roma", "Bologna", "Napoli"]),
    ("CA", "Canada", ["Toronto", "Montreal", "Vancouver"]),
    ("JP", "Japan", ["Tokyo", "Osaka", "Kyoto", "Nagoya"]),
    ("PL", "Poland", ["Warsaw", "Krakow", "Wroclaw", "Lodz"]),
    ("KR", "Korea, Republic of", ["Seoul", "Busan", "Daegu"]),
    ("NL", "Netherlands", ["Amsterdam", "Rotterdam", "Utrecht"]),
    ("AU", "Australia", ["Sydney", "Melbourne", "Brisbane"]),
    ("BE", "Belgium", ["Brussels", "Ghent", "Leuven"]),
    ("CZ", "Czechia", ["Prague", "Brno"]),
    ("HU", "Hungary", ["Budapest", "Debrecen"]),
    ("DK", "Denmark", ["Copenhagen", "Aarhus"]),
    ("SE", "Sweden", ["Stockholm", "Gothenburg"]),
    ("AT", "Austria", ["Vienna", "Graz"]),
    ("CH", "Switzerland", ["Zurich", "Basel", "Bern"]),
    ("BR", "Brazil", ["Sao Paulo", "Rio de Janeiro"]),
    ("MX", "Mexico", ["Mexico City", "Guadalajara"]),
    ("IL", "Israel", ["Tel Aviv", "Haifa"]),
    ("TW", "Taiwan", ["Taipei", "Taichung"]),
    ("EG", "Egypt", ["Cairo", "Alexandria"]),
    ("IR", "Iran, Islamic Republic of", ["Tehran", "Shiraz"]),
    ("TR", "Turkey", ["Istanbul", "Ankara"]),
    ("IN", "India", ["New Delhi", "Mumbai", "Chennai"]),
    ("RU", "Russian Federation", ["Moscow", "Saint Petersburg"]),
    ("AR", "Argentina", ["Buenos Aires", "Cordoba"]),
    ("PT", "Portugal", ["Lisbon", "Porto"]),
    ("GR", "Greece", ["Athens", "Thessaloniki"]),
    ("FI", "Finland", ["Helsinki", "Tampere"]),
    ("NO", "Norway", ["Oslo", "Bergen"]),
    ("IE", "Ireland", ["Dublin", "Cork"]),
    ("BG", "Bulgaria", ["Sofia", "Plovdiv"]),
    ("RO", "Romania", ["Bucharest", "Cluj-Napoca"]),
    ("SK", "Slovakia", ["Bratislava", "Kosice"]),
    ("TH", "Thailand", ["Bangkok", "Chiang Mai"]),
    ("ZA", "South Africa", ["Cape Town", "Johannesburg"]),
]
STATUSES = {
    "RECRUITING": 10,
    "COMPLETED": 35,
    "UNKNOWN": 12,
    "ACTIVE_NOT_RECRUITING": 12,
    "NOT_YET_RECRUITING": 8,
    "TERMINATED": 8,
    "WITHDRAWN": 5,
    "ENROLLING_BY_INVITATION": 3,
    "SUSPENDED": 2,
    "AVAILABLE": 1,
    "NO_LONGER_AVAILABLE": 1.5,
    "APPROVED_FOR_MARKETING": 1,
    "TEMPORARILY_NOT_AVAILABLE": 0.5,
    "WITHHELD": 1,
}
SINGLE_PHASES = {
    "EARLY_PHASE1": 3,
    "PHASE1": 15,
    "PHASE2": 30,
    "PHASE3": 22,
    "PHASE4": 15,
    "NA": 15,
}
PHASE_PAIRS = [("PHASE1", "PHASE2"), ("PHASE2", "PHASE3"), ("PHASE3", "PHASE4")]
# Share of interventional trials (80% of all) with two phases: ~15% of all trials.
TWO_PHASE_SHARE = 0.19

_WORD_TEXT = """
patients treatment efficacy safety study disease skin severity score baseline week weeks
randomized placebo controlled double blind participants response clinical trial dose daily
topical oral subcutaneous injection lesions itch pruritus quality life dermatology index area
improvement moderate severe chronic adults adolescents children assessment primary secondary
endpoint outcome evaluate investigate compare versus combination therapy systemic inflammatory
immune mediated cytokine inhibitor antibody monoclonal receptor pathway expression cells
keratinocytes fibroblasts biopsy histology serum levels blood sample visit follow period
screening enrollment eligible informed consent protocol investigator site hospital university
center department dermatologist assessment global physician reported adverse events serious
infection tolerability pharmacokinetics exposure concentration plasma half open label extension
long term maintenance induction flare recurrence remission relapse duration months years
history previous prior failure inadequate intolerance contraindication conventional standard
care vehicle cream ointment gel lotion foam tablet capsule infusion intravenous mg kg twice
once weekly every four eight twelve sixteen twenty four fifty two total body surface involvement
erythema induration scaling excoriation lichenification papules pustules nodules plaques scars
hair loss scalp nails palms soles face trunk extremities genital mucosal oral lesion count
investigator global assessment eczema psoriasis area severity numeric rating scale peak sleep
disturbance anxiety depression questionnaire patient reported outcomes laboratory abnormalities
hematology chemistry urinalysis liver function renal impairment pregnancy contraception women
childbearing potential negative test men agree during after last administration vaccination live
vaccines tuberculosis hepatitis human immunodeficiency virus malignancy within five except basal
squamous cell carcinoma excised adequately treated condition would interfere interpretation
results opinion participation other investigational product drug device procedure phototherapy
ultraviolet narrowband light exposure sun tanning beds washout required stable regimen allowed
emollients moisturizers rescue medication permitted discontinued withdrawn reasons documented
"""
WORDS = list(dict.fromkeys(_WORD_TEXT.split()))


def _zipf_cum(n: int, s: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**s) for rank in range(1, n + 1)))


@dataclass(frozen=True)
class Vocab:
    conditions: list[dict]  # Zipf-ranked
    drugs: list[dict]  # Zipf-ranked
    condition_cum: list[float]
    drug_cum: list[float]
    country_cum: list[float]
    word_cum: list[float]


def _ranked(items: list[dict], head: list[str], seed: int) -> list[dict]:
    by_slug = {item["slug"]: item for item in items}
    first = [by_slug[s] for s in head if s in by_slug]
    rest = [item for item in items if item["slug"] not in set(head)]
    random.Random(seed).shuffle(rest)
    return first + rest


# Drugs, conditions and synonyms the vocabulary gained after this generator's version 3: not
# drawn, so that the corpus, its URLs and the import benchmark's studies stay those every
# earlier run measured.
LATER_DRUGS = frozenset({"briakinumab", "efalizumab", "alefacept", "prasterone"}) | frozenset(
    # Session 22: transthyretin amyloidosis's drugs.
    {"tafamidis", "acoramidis", "diflunisal", "patisiran", "vutrisiran", "inotersen", "eplontersen"}
    # Session 23: co-stimulation modulators.
    | {"ruplizumab", "belatacept"}
    # Session 28: hormone replacement in lupus.
    | {"conjugated-estrogens"}
    # Session 36.
    | {"vedolizumab", "hyaluronic-acid"}
    # Session 37.
    | {"tolcapone", "colestimide", "ursodeoxycholic-acid", "sotatercept", "birtamimab"}
    | {"nexiguran-ziclumeran"}
    # Session 40.
    | {"fludarabine", "cytarabine", "paclitaxel", "zidovudine"}
    # Session 43.
    | {"osimertinib", "ensitrelvir"}
    # Session 46: lung cancer's EGFR inhibitors, immune checkpoint inhibitors, chemotherapy.
    | {"gefitinib", "erlotinib", "afatinib", "dacomitinib", "almonertinib", "furmonertinib"}
    | {"lazertinib", "icotinib", "pembrolizumab", "nivolumab", "atezolizumab", "durvalumab"}
    | {"cemiplimab", "toripalimab", "sintilimab", "tislelizumab", "camrelizumab"}
    | {"sugemalimab", "ipilimumab", "tremelimumab"}
    | {"docetaxel", "pemetrexed", "carboplatin", "cisplatin"}
    # Session 54: antibody-drug conjugates.
    | {"trastuzumab-deruxtecan", "trastuzumab-emtansine", "datopotamab-deruxtecan"}
    | {"sacituzumab-govitecan", "sacituzumab-tirumotecan", "shr-a1921", "trastuzumab-rezetecan"}
    | {"patritumab-deruxtecan", "telisotuzumab-vedotin", "enfortumab-vedotin"}
    | {"tisotumab-vedotin", "polatuzumab-vedotin", "mirvetuximab-soravtansine"}
    | {"inotuzumab-ozogamicin", "gemtuzumab-ozogamicin", "loncastuximab-tesirine"}
)
LATER_CLASSES = frozenset({"ttr-stabilizers", "ttr-silencers"})  # session 22
LATER_CLASSES |= {"interleukin-inhibitors"}  # session 24
LATER_CLASSES |= {"integrin-inhibitors"}  # session 36
LATER_CLASSES |= {"chemotherapy", "antiretrovirals"}  # session 40
LATER_CLASSES |= {"egfr-tkis", "immune-checkpoint-inhibitors"}  # session 46
LATER_CLASSES |= {"antibody-drug-conjugates", "trop2-antibody-drug-conjugates"}  # session 54
LATER_CONDITIONS = frozenset(
    {"lupus-vulgaris", "eczema-herpeticum", "autoimmune-blistering-diseases"}
    # Session 20: the autoinflammatory diseases.
    | {"autoinflammatory-diseases", "familial-mediterranean-fever", "traps"}
    | {"cryopyrin-associated-periodic-syndromes", "mevalonate-kinase-deficiency"}
    | {"inclusion-body-myositis", "juvenile-idiopathic-arthritis"}
    | {"reactive-arthritis", "actinic-keratosis", "xeroderma-pigmentosum"}
    # Session 21.
    | {"axial-spondyloarthritis", "antiphospholipid-syndrome"}
    # Session 22.
    | {"neonatal-lupus", "fibromyalgia", "amyloidosis", "transthyretin-amyloidosis"}
    | {"cutaneous-amyloidosis", "inflammatory-bowel-disease", "crohns-disease"}
    | {"ulcerative-colitis"}
    # Session 23.
    | {"herpes-labialis", "common-warts"}
    # Session 24.
    | {"palmoplantar-keratoderma", "keratosis-pilaris"}
    # Session 25.
    | {"disorders-of-keratinization", "port-wine-stain"}
    # Session 31.
    | {"cicatricial-alopecia", "ditra", "dira", "pulmonary-arterial-hypertension"}
    # Session 34.
    | {"pfapa"}
    # Session 36.
    | {"neurofibromatosis-type-1", "fabry-disease", "savi", "gorlin-syndrome"}
    # Session 37.
    | {"light-chain-amyloidosis", "giant-cell-arteritis"}
    | {"intervertebral-disc-herniation"}
    # Session 37: the corpus's diseases outside the field, for its trials of them
    | {"non-small-cell-lung-cancer", "major-depressive-disorder", "schizophrenia"}
    | {"post-traumatic-stress-disorder", "nightmare-disorder", "insomnia", "nicotine-dependence"}
    | {"opioid-use-disorder", "alcohol-use-disorder", "low-back-pain", "lumbar-spinal-stenosis"}
    | {"degenerative-disc-disease", "parkinsons-disease", "migraine", "dementia"}
    | {"alzheimers-disease", "type-2-diabetes", "obesity", "covid-19", "multiple-sclerosis"}
    | {"asthma", "multiple-myeloma", "colorectal-cancer", "prostate-cancer"}
    # Session 39.
    | {"dna-repair-disorders", "cockayne-syndrome", "trichothiodystrophy"}
    # Session 40.
    | {"osteoarthritis"}
    # Session 43.
    | {"anca-associated-vasculitis", "polymyalgia-rheumatica"}
    # Session 44.
    | {"striae", "hemophilia", "fatty-liver-disease", "temporomandibular-disorders", "tinnitus"}
    | {"eating-disorders", "prediabetes", "retinal-vein-occlusion", "photoaging", "skin-laxity"}
    | {"adhd"}
    # Session 45.
    | {"lung-cancer", "spondylolisthesis", "radiculopathy", "cervical-radiculopathy"}
    | {"cervical-myelopathy", "cannabis-use-disorder"}
)
# Session 19: the field's diseases in Spanish, French, German, Italian and Portuguese.
OTHER_LANGUAGES = frozenset({
    "Schuppenflechte", "psoriasi", "dermatite atopique", "dermatite atopica",
    "eczéma atopique", "atopische Dermatitis", "atopisches Ekzem", "esclerodermia",
    "sclérodermie", "Sklerodermie", "sclerodermia", "esclerosis sistémica",
    "sclérose systémique", "systemische Sklerose", "sclerosi sistemica",
    "esclerose sistêmica", "dermatomiositis", "dermatomyosite", "dermatomiosite",
    "lupus eritematoso sistémico", "lupus érythémateux systémique",
    "systemischer Lupus erythematodes", "lupus eritematoso sistemico", "lupus cutáneo",
    "lupus cutané", "kutaner Lupus erythematodes", "lupus cutaneo",
    "hidrosadenitis supurativa", "hidradénite suppurée", "idrosadenite suppurativa",
    "hidradenite supurativa", "urticaire chronique", "urticaria crónica",
    "chronische Urtikaria", "orticaria cronica", "pelade", "kreisrunder Haarausfall",
    "pénfigo", "pênfigo", "pemfigo", "penfigoide ampolloso", "pemphigoïde bulleuse",
    "bullöses Pemphigoid", "pemfigoide bolloso", "pioderma gangrenoso",
    "pyodermite gangréneuse", "Pyoderma gangraenosum", "vitíligo",
})  # fmt: skip
# Session 25: the field's diseases in Polish, none drawn.
POLISH = frozenset({
    "atopowe zapalenie skóry", "atopowym zapaleniem skóry", "atopowego zapalenia skóry",
    "wyprysk atopowy", "łuszczyca", "łuszczycy", "łuszczycą", "łuszczyca plackowata",
    "toczeń rumieniowaty układowy", "tocznia rumieniowatego układowego", "toczeń układowy",
    "twardzina układowa", "twardziny układowej", "twardzina", "zapalenie skórno-mięśniowe",
    "zapalenia skórno-mięśniowego", "trądzik odwrócony",
    "ropne zapalenie apokrynowych gruczołów potowych", "toczeń skórny",
    "toczeń rumieniowaty skórny", "toczeń rumieniowaty krążkowy", "pęcherzyca",
    "pemfigoid pęcherzowy", "bielactwo nabyte", "bielactwo", "łysienie plackowate",
    "pokrzywka przewlekła",
    # … and more of the field's diseases in other languages (session 25).
    "artrite psoriásica", "artritis psoriásica", "arthrite psoriasique", "rhumatisme psoriasique",
    "Psoriasisarthritis", "artrite psoriasica",
    "łuszczycowe zapalenie stawów", "artropatia psoriasica", "syndrome de Gougerot-Sjögren",
    "Gougerot-Sjögren", "síndrome de Sjögren", "sindrome di Sjögren", "Sjögren-Syndrom",
    "zespół Sjögrena", "artritis reumatoide", "artrite reumatoide", "polyarthrite rhumatoïde",
    "rheumatoide Arthritis", "reumatoidalne zapalenie stawów", "osiowa spondyloartropatia",
    "spondyloartropatia osiowa", "zesztywniające zapalenie stawów kręgosłupa",
    "axiale Spondyloarthritis", "spondyloarthrite axiale", "espondiloartritis axial",
    "spondiloartrite assiale", "espondiloartrite axial", "ankylosierende Spondylitis",
    "Ailevi Akdeniz Ateşi", "Akdeniz ateşi", "rodzinna gorączka śródziemnomorska",
    "artrite idiopática juvenil", "artritis idiopática juvenil", "arthrite juvénile idiopathique",
    "juvenile idiopathische Arthritis", "artrite idiopatica giovanile",
    "młodzieńcze idiopatyczne zapalenie stawów",
})  # fmt: skip
# Session 26: the field's diseases in nineteen more languages (Latin letters; names in other
# scripts are left out by _NOT_LATIN), none drawn.
MORE_LANGUAGES = frozenset({
    "lupénka", "lupénky", "lupénkou", "psoriáza", "psoriázy", "psoriázou", "pikkelysömör",
    "pikkelysömörös", "psoriaasi", "psoriaasin", "psoriazis", "psoriazisul", "psoriazisului",
    "sedef hastalığı", "sedef", "atopická dermatitida", "atopické dermatitidy", "atopický ekzém",
    "ekzém", "ekzému", "atópiás dermatitisz", "atópiás ekcéma", "ekcéma", "ekcémás",
    "atopiskt eksem", "atopisk dermatit", "eksem", "böjveckseksem", "atopisk eksem", "børneeksem",
    "atooppinen ihottuma", "atooppinen ekseema", "dermatită atopică", "dermatita atopică",
    "dermatita atopica", "eczemă", "eczema atopică", "chàm", "dermatitis atopik", "eksim",
    "eksim atopik", "atopik dermatit", "egzama", "ekzama", "constitutioneel eczeem",
    "atopisch eczeem", "eczeem", "systémový lupus erythematodes", "systémového lupusu",
    "szisztémás lupus erythematosus", "systemisk lupus erythematosus",
    "systeeminen lupus erythematosus", "punahukka", "lupus eritematos sistemic",
    "lupus eritematosus sistemik", "sistemik lupus eritematozus",
    "systemische lupus erythematodes", "kožní lupus", "diskoidní lupus", "lupus cutanat",
    "lupus discoid", "kutan lupus", "diskoid lupus", "deri lupusu", "lupus kulit",
    "dermatomyozitida", "dermatomyozitidy", "dermatomyozitidou", "dermatomyosit", "dermatomyositt",
    "dermatomyosiitti", "dermatomiozită", "dermatomiozita", "viêm da cơ", "dermatomiyozit",
    "systémová sklerodermie", "systémová skleróza", "szisztémás szklerózis", "szkleroderma",
    "systemisk skleros", "systemisk sklerose", "sklerodermi", "systeeminen skleroosi",
    "skleroderma", "sclerodermie sistemică", "scleroză sistemică", "sclerodermie",
    "sklerosis sistemik", "sistemik skleroz", "systemische sclerose", "Sjögrenův syndrom",
    "Sjögren-szindróma", "Sjögrens syndrom", "Sjøgrens syndrom", "Sjögrenin oireyhtymä",
    "sindromul Sjögren", "Sjögren sendromu", "syndroom van Sjögren", "hidradenitida",
    "svettkörtelinflammation", "hidradenită supurativă", "hidradenitis süpürativa", "pemfigus",
    "pemfigusz", "bulózní pemfigoid", "bullózus pemphigoid", "pemfigoid bulos", "büllöz pemfigoid",
    "ložisková alopecie", "körkörös hajhullás", "fläckvis håravfall", "pälvikalju",
    "alopecie areata", "saçkıran", "kringvormige haaruitval", "kopřivka", "chronická kopřivka",
    "csalánkiütés", "nässelutslag", "nældefeber", "elveblest", "nokkosihottuma", "urticarie",
    "urticarie cronică", "mày đay", "biduran", "kurdeşen", "ürtiker", "netelroos",
    "pyodermia gangrenosum", "pioderma gangrenos", "lichen ruber planus", "rozacee", "rozasea",
    "akné", "jerawat", "sivilce", "psoriatická artritida", "artritis psoriasica",
    "artrită psoriazică", "psoriatik artrit", "revmatoidní artritida", "reumatoid artritisz",
    "reumatoid artrit", "poliartrită reumatoidă", "reumatoide artritis", "morfea",
    "lupusová nefritida", "nefrită lupică",
})  # fmt: skip
LATER_SYNONYMS = (
    frozenset({"chronic discoid lupus erythematosus", "CDLE"})
    | OTHER_LANGUAGES
    # Session 20
    | {"RA-ILD", "rheumatoid arthritis-associated interstitial lung disease"}
    | {"pulmonary fibrosis", "lung fibrosis"}
    # Session 23
    | {"blistering skin disease", "blistering skin condition", "blistering skin conditions"}
    | {"costimulation blockade", "co-stimulation blockade", "costimulatory blockade"}
    | {"costimulation modulators", "co-stimulation modulators", "T-cell costimulation blockade"}
    | {"T cell costimulation blockade", "T-cell costimulation blockers", "anti-CD40 ligand"}
    | {"costimulation inhibitors", "CD40L antagonists", "anti-CD40L", "anti-CD154"}
    | {"raised scar", "raised scars", "thick scar", "thick scars", "lumpy scar", "lumpy scars"}
    | {"lupus nephropathy", "membranous lupus nephritis", "membranous lupus nephropathy"}
    | {"class V lupus nephritis"}
    # Session 25
    | {"Behcet", "Behçet", "Behcets", "Behçets", "Behcet's", "Behçet's", "Morbus Behcet"}
    | {"Morbus Behçet", "enfermedad de Behçet", "enfermedad de Behcet", "maladie de Behçet"}
    | {"malattia di Behçet", "doença de Behçet"}
    # Session 28
    | {"pred"}
    | POLISH
    | MORE_LANGUAGES
    # Session 34: common drugs' names in other languages (Latin letters; the others are
    # never drawn)
    | {"metotrexato", "méthotrexate", "Methotrexat", "metotressato", "metotreksat"}
    | {"hidroxicloroquina", "Hydroxychloroquin", "idrossiclorochina", "hydroksychlorochina"}
    | {"prednisona", "Prednison", "prednisolona", "Prednisolon", "azatioprina", "Azathioprin"}
    | {"micofenolato", "micofenolato de mofetilo", "micofenolato mofetil", "Mycophenolat"}
    | {"ciclosporina", "ciclosporine", "ciclofosfamida", "Cyclophosphamid"}
    # Session 34: people's names for diseases
    | {"butterfly skin", "butterfly children", "butterfly child", "butterfly kids"}
    | {"butterfly baby", "butterfly babies", "fish scale skin", "fish scale disease"}
    | {"fish skin disease", "fishscale skin", "cradle cap", "excessive sweating"}
    | {"sweaty palms", "sweaty hands", "heavy sweating", "mask of pregnancy", "pregnancy mask"}
    | {"spot baldness", "en coup de sabre", "coup de sabre"}
    # Session 31: axial spondyloarthritis in Czech
    | {"axiální spondyloartritida", "axiální spondyloartritidy", "axiální spondyloartritidou"}
    | {"Bechtěrevova nemoc", "Bechtěrevovy nemoci", "Bechtěrevovou nemocí"}
    | {"ankylozující spondylitida", "ankylozující spondylitidy", "spondyloartritida"}
    | {"spondyloartritidy"}
    # Session 36: rare diseases in other languages
    | {"XP", "xeroderma pigmentoso", "Mondscheinkinder", "enfants de la lune", "niños de la luna"}
    | {"crianças da lua", "EICH", "enfermedad injerto contra huésped", "DECH"}
    | {"enfermedad de injerto contra huésped", "enfermedad del injerto contra el huésped"}
    | {"enfermedad injerto contra receptor", "maladie du greffon contre l'hôte"}
    | {"réaction du greffon contre l'hôte", "doença do enxerto contra o hospedeiro"}
    | {"doença enxerto contra hospedeiro", "Graft-versus-Host-Krankheit"}
    | {"Graft-versus-Host-Erkrankung", "Graft-versus-Host-Reaktion"}
    | {"Transplantat-gegen-Wirt-Reaktion", "malattia del trapianto contro l'ospite"}
    | {"malattia da trapianto contro l'ospite", "dermatite herpétiforme", "Duhring-Brocq"}
    | {"maladie de Duhring-Brocq", "dermatitis herpetiforme", "dermatite herpetiforme"}
    | {"dermatite erpetiforme", "Morbus Duhring", "Duhring-Krankheit", "enfermedad de Duhring"}
    | {"Dermatitis herpetiformis Duhring", "doença de Duhring"}
    # Session 37: transthyretin amyloidosis in other languages
    | {"paramiloidose", "paramiloidose familiar", "doença dos pezinhos"}
    | {"doença de Corino de Andrade", "polineuropatia amiloidótica familiar"}
    | {"amiloidose hereditária por transtirretina", "amiloidose por transtirretina"}
    | {"polineuropatía amiloidótica familiar", "amiloidosis por transtiretina"}
    | {"amiloidosis hereditaria por transtiretina", "neuropathie amyloïde familiale"}
    | {"amylose à transthyrétine", "amylose héréditaire à transthyrétine"}
    | {"Transthyretin-Amyloidose", "familiäre Amyloidpolyneuropathie"}
    | {"amiloidosi da transtiretina", "V30M", "Val30Met"}
    | {"ATTR cardiomyopathy", "TTR-CM", "TTR cardiomyopathy", "transthyretin cardiomyopathy"}
    | {"ATTR amyloid cardiomyopathy", "amyloid cardiomyopathy", "familial amyloid cardiomyopathy"}
    | {"familial amyloidotic cardiomyopathy", "hereditary amyloidotic cardiomyopathy"}
    | {"wild type ATTR amyloidosis", "ATTRwt amyloidosis", "wild-type transthyretin amyloidosis"}
    | {"wild-type TTR amyloidosis", "wild-type TTR cardiac amyloidosis"}
    | {"wild-type amyloid cardiopathy", "senile systemic amyloidosis", "senile cardiac amyloidosis"}
    | {"senile cardiac amyloid", "cardiac ATTR amyloidosis"}
    | {"Transthyretin-Amyloid-Kardiomyopathie", "cardiomyopathie amyloïde à transthyrétine"}
    | {"miocardiopatía amiloide por transtiretina", "cardiomiopatia amiloide da transtirretina"}
    # Session 37: juvenile arthritis as people say it in other languages
    | {"Kinderrheuma", "Kinderrheumatismus", "kindliches Rheuma", "Jugendrheuma"}
    | {"rhumatisme de l'enfant", "reuma infantil", "reumatismo infantil", "reumatismo giovanile"}
    | {"juveniele idiopathische artritis", "kinderreuma"}
    # Session 44: other languages' lay names
    | {"Reibeisenhaut", "kératose pilaire", "queratosis pilar", "queratose pilar"}
    | {"cheratosi pilare", "rogowacenie przymieszkowe", "jeugdreuma", "artritis juvenil"}
    | {"artrite juvenil", "maladie périodique", "fièvre méditerranéenne", "łuszczycę"}
)
# Session 23: the diseases' names in Chinese, Japanese and Korean, none drawn; session 26: nor
# any in another script than Latin (Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai, and
# Vietnamese's own letters).
_NOT_LATIN = re.compile("[^\x00-\u024f]")


def _drawn(path: str, later: frozenset[str]) -> list[dict]:
    """The vocabulary file's entries this generator draws from: not those it gained later
    (`later` slugs), each with only its synonyms from before (LATER_SYNONYMS) in Latin
    letters."""
    return [
        {
            **item,
            "synonyms": [
                s
                for s in item.get("synonyms", [])
                if s not in LATER_SYNONYMS and not _NOT_LATIN.search(s)
            ],
        }
        for item in json.loads((VOCAB_DIR / path).read_text())
        if item["slug"] not in later
    ]


@cache
def vocab() -> Vocab:
    conditions = _drawn("conditions.json", LATER_CONDITIONS)
    drugs = _drawn("drugs.json", LATER_DRUGS)
    for word, _ in PLANTED.values():
        stem = word[:8]
        assert not any(w.startswith(stem) for w in WORDS), word
    conditions = _ranked(conditions, CONDITION_HEAD, SEED)
    drugs = _ranked(drugs, DRUG_HEAD, SEED + 1)
    return Vocab(
        conditions=conditions,
        drugs=drugs,
        condition_cum=_zipf_cum(len(conditions), 1.0),
        drug_cum=_zipf_cum(len(drugs), 1.0),
        country_cum=_zipf_cum(len(COUNTRIES), 1.1),
        word_cum=_zipf_cum(len(WORDS), 0.8),
    )


@cache
def band_words() -> dict[str, list[str]]:
    """band -> its distinct made-up words (deterministic; no word in two bands)."""
    rng = random.Random(f"{SEED}:bands")
    seen = set(WORDS)
    out: dict[str, list[str]] = {}
    for band, (_, count) in BANDS.items():
        words: list[str] = []
        while len(words) < count:
            syllables = [
                rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(BAND_SYLLABLES - 1)
            ]
            word = "".join(syllables) + rng.choice(_CONSONANTS) + rng.choice(_LAST_VOWELS)
            if word not in seen:
                seen.add(word)
                words.append(word)
        out[band] = words
    return out


def _band_picks(rng: random.Random) -> dict[str, list[str]]:
    """Which band words this trial gets: each word independently with its band's share."""
    return {
        band: rng.sample(words, rng.binomialvariate(len(words), BANDS[band][0]))
        for band, words in band_words().items()
    }


def _insert_words(rng: random.Random, sentences: list[str], words: list[str]) -> None:
    """Each word into a random place of a random sentence (in place; sentences keep their end)."""
    for word in words:
        at = rng.randrange(len(sentences))
        end = "." if sentences[at].endswith(".") else ""
        parts = sentences[at].removesuffix(end).split()
        parts.insert(rng.randrange(1, len(parts) + 1), word)
        sentences[at] = " ".join(parts) + end


def _pick(rng: random.Random, cum: list[float]) -> int:
    return bisect(cum, rng.random() * cum[-1])


def _distinct(rng: random.Random, cum: list[float], k: int) -> list[int]:
    out: list[int] = []
    while len(out) < k:
        i = _pick(rng, cum)
        if i not in out:
            out.append(i)
    return out


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _sentence(rng: random.Random, v: Vocab, lo: int = 8, hi: int = 18) -> str:
    words = [WORDS[_pick(rng, v.word_cum)] for _ in range(rng.randint(lo, hi))]
    return " ".join(words).capitalize() + "."


def _date(rng: random.Random, y0: int, y1: int) -> str:
    return f"{rng.randint(y0, y1)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _name(rng: random.Random, item: dict, synonym_share: float) -> str:
    synonyms = [s for s in item.get("synonyms") or [] if len(s) > 5]
    if synonyms and rng.random() < synonym_share:
        return rng.choice(synonyms)
    return item["label"]


# Of the refractory trials, the share that name a failed drug class too (Zipf over the classes
# in the vocabulary's order, biologics and TNF inhibitors at the head).
FAILED_CLASS_SHARE = 0.4
CLASS_HEAD = ["biologics", "tnf-inhibitors", "corticosteroids", "immunosuppressants"]


@cache
def _classes() -> tuple[list[dict], list[float]]:
    classes = json.loads((VOCAB_DIR / "drug_classes.json").read_text())
    classes = [
        {**item, "synonyms": [s for s in item.get("synonyms", []) if s not in LATER_SYNONYMS]}
        for item in classes
        if item["slug"] not in LATER_CLASSES
    ]
    classes = _ranked(classes, CLASS_HEAD, SEED + 2)
    return classes, _zipf_cum(len(classes), 1.0)


def class_slugs() -> list[str]:
    """The vocabulary's drug classes, the head of the failed-class ranking first."""
    return [item["slug"] for item in _classes()[0]]


def _failed_class(prefix: str, i: int) -> dict | None:
    rng = random.Random(f"{SEED}:failed-class:{prefix}:{i}")
    if rng.random() >= FAILED_CLASS_SHARE:
        return None
    classes, cum = _classes()
    return classes[_pick(rng, cum)]


def trial_id(i: int, prefix: str = "NCT9") -> str:
    return f"{prefix}{i:07d}"


def make_record(i: int, *, prefix: str = "NCT9", bands: bool = True) -> dict:
    """Synthetic trial number `i` as a valid trial/1 record (with band words unless told not)."""
    v = vocab()
    rng = random.Random(f"{SEED}:{DRAWS_VERSION}:{prefix}:{i}")
    tid = trial_id(i, prefix)

    conds = [
        v.conditions[j]
        for j in _distinct(rng, v.condition_cum, _weighted(rng, {1: 60, 2: 30, 3: 10}))
    ]
    drugs = [
        v.drugs[j] for j in _distinct(rng, v.drug_cum, _weighted(rng, {1: 45, 2: 30, 3: 15, 4: 10}))
    ]
    study_type = _weighted(rng, {"INTERVENTIONAL": 80, "OBSERVATIONAL": 18, "EXPANDED_ACCESS": 2})
    if study_type == "INTERVENTIONAL":
        if rng.random() < TWO_PHASE_SHARE:
            phases = list(rng.choices(PHASE_PAIRS, weights=[45, 45, 10])[0])
        else:
            phases = [_weighted(rng, SINGLE_PHASES)]
    else:
        phases = []
    status = _weighted(rng, STATUSES)
    n_countries = _weighted(rng, {1: 50, 2: 25, 3: 12, 4: 8, 5: 5})
    countries = [COUNTRIES[j] for j in _distinct(rng, v.country_cum, n_countries)]
    refractory = rng.random() < 0.25

    cond_label = conds[0]["label"]
    drug_label = drugs[0]["label"]
    phase_words = "/".join(p.replace("PHASE", "Phase ").replace("EARLY_", "Early ") for p in phases)
    title = rng.choice(
        [
            f"A {phase_words or 'Pilot'} Study of {drug_label} in Adults With {cond_label}",
            f"{drug_label} Versus Placebo in {cond_label}: a Randomized Double-blind Trial",
            f"Efficacy and Safety of {drug_label} in Patients With "
            f"{'Refractory ' if refractory else ''}{cond_label}",
            f"Long-term Extension Study of {drug_label} in Moderate to Severe {cond_label}",
            f"Registry of {cond_label} Patients Treated With {drug_label}",
        ]
    )
    # Most real titles are unique (an acronym, a site, a duration); a few repeat, which the
    # loader flags as possible duplicates. (Version 1 repeated titles by the thousand.)
    if rng.random() < 0.95:
        acronym = "".join(rng.choice("ABCDEFGHIKLMNOPRSTUVZ") for _ in range(rng.randint(3, 6)))
        title = f"{title} ({acronym}-{rng.randint(1, 99)})"
    summary = [_sentence(rng, v) for _ in range(rng.randint(2, 5))]
    # Version 4: band words, from a generator of their own (every other draw as before); not
    # into the sentence naming the drug and condition (inserted next): it stays a phrase.
    band_rng = random.Random(f"{SEED}:bands:{prefix}:{i}")
    picks = _band_picks(band_rng) if bands else {}
    _insert_words(band_rng, summary, picks.get("rare", []) + picks.get("common", []))
    summary.insert(
        1,
        f"This study evaluates {drug_label.lower()} in participants with {cond_label.lower()}.",
    )
    planted_title = False
    for word, share in PLANTED.values():
        if rng.random() < share:
            if not planted_title and rng.random() < 0.2:
                title = f"{title} With {word.capitalize()}"
                planted_title = True
            else:
                at = rng.randrange(len(summary))
                words = summary[at].rstrip(".").split()
                words.insert(rng.randrange(1, len(words) + 1), word)
                summary[at] = " ".join(words) + "."
    description = (
        " ".join(_sentence(rng, v, 10, 24) for _ in range(rng.randint(2, 5)))
        if rng.random() < 0.4
        else None
    )
    inclusion = [_sentence(rng, v, 6, 14).rstrip(".") for _ in range(rng.randint(2, 6))]
    _insert_words(band_rng, inclusion, picks.get("very_common", []))
    inclusion.insert(0, f"Diagnosis of {cond_label.lower()} for at least 6 months")
    evidence = []
    prior = []
    if refractory:
        prior_drug = v.drugs[_pick(rng, v.drug_cum)]
        phrase = f"Inadequate response to {prior_drug['label'].lower()} for at least 3 months"
        inclusion.insert(1, phrase)
        evidence = [phrase]
        prior = [prior_drug["slug"]]
        # Version 3: some trials also name a failed class ("… or to biologics"), drawn from a
        # generator of their own, so that every other field is drawn as in version 2.
        failed_class = _failed_class(prefix, i)
        if failed_class:
            phrase = f"Inadequate response to {failed_class['label'].lower()}"
            inclusion.insert(2, phrase)
            evidence.append(phrase)
            prior.append(failed_class["slug"])
    exclusion = [_sentence(rng, v, 6, 14).rstrip(".") for _ in range(rng.randint(2, 6))]
    criteria_text = (
        "Inclusion Criteria:\n"
        + "\n".join(f"- {x}" for x in inclusion)
        + "\n\nExclusion Criteria:\n"
        + "\n".join(f"- {x}" for x in exclusion)
    )

    interventions = [
        {
            "name": _name(rng, d, 0.2),
            "type": "BIOLOGICAL" if d["slug"].endswith(("mab", "cept", "kin")) else "DRUG",
            "description": _sentence(rng, v, 6, 12),
            "drug": d["slug"],
            "is_placebo": False,
        }
        for d in drugs
    ]
    if len(interventions) < 4 and rng.random() < 0.3:
        interventions.append(
            {
                "name": "Placebo",
                "type": "DRUG",
                "description": None,
                "drug": None,
                "is_placebo": True,
            }
        )
    sites = []
    for code, _, cities in countries:
        for _ in range(rng.randint(1, 2)):
            city = rng.choice(cities)
            sites.append(
                {
                    "facility": f"{rng.choice(FACILITIES)} {city}",
                    "city": city,
                    "region": None,
                    "country": code,
                    "status": "RECRUITING" if status == "RECRUITING" else None,
                }
            )
    start_year = rng.randint(2000, 2025)
    start = _date(rng, start_year, start_year)
    updated = _date(rng, start_year, min(2025, start_year + 4))
    min_age = _weighted(rng, {18: 70, 12: 10, 2: 5, None: 15})
    max_age = _weighted(rng, {65: 30, 75: 25, 80: 10, None: 35})
    sponsor = rng.choice(
        [
            "Pharma Dermis AG",
            "University Hospital Research",
            "Cutis Therapeutics",
            "National Skin Institute",
        ]
    )
    record = {
        "schema": "trial/1",
        "trial_id": tid,
        "identifiers": [{"id": tid, "kind": "registry", "registry": "ClinicalTrials.gov"}],
        "source": {
            "format": SOURCE_FORMAT,
            "registry": "ClinicalTrials.gov",
            "url": None,
            "refreshed": updated,
            "sha256": hashlib.sha256(f"{SEED}:{DRAWS_VERSION}:{tid}".encode()).hexdigest(),
        },
        "title": title,
        "official_title": f"{title} (Protocol {tid[-5:]})",
        "acronym": None,
        "summary": " ".join(summary),
        "description": description,
        "criteria": {"inclusion": inclusion, "exclusion": exclusion, "text": criteria_text},
        "status": status,
        "status_raw": status.replace("_", " ").title(),
        "phases": phases,
        "phase_raw": phase_words or None,
        "study_type": study_type,
        "design": {
            "allocation": "RANDOMIZED" if study_type == "INTERVENTIONAL" else None,
            "intervention_model": "PARALLEL" if study_type == "INTERVENTIONAL" else None,
            "masking": rng.choice(["NONE", "DOUBLE", "QUADRUPLE"])
            if study_type == "INTERVENTIONAL"
            else None,
            "primary_purpose": "TREATMENT" if study_type == "INTERVENTIONAL" else None,
        },
        "enrollment": int(rng.lognormvariate(4.3, 1.0)) + 5,
        "enrollment_raw": None,
        "registered": start,
        "start": start,
        "completion": None,
        "last_updated": updated,
        "sponsor": sponsor,
        "collaborators": [],
        "countries": sorted(code for code, _, _ in countries),
        "sites": sites,
        "contacts": [
            {
                "name": f"Study Contact {k + 1}",
                "role": "CONTACT",
                "email": f"trial{i}.{k}@example.org",
                "phone": None,
                "affiliation": sponsor,
            }
            for k in range(rng.randint(0, 2))
        ],
        "sex": _weighted(rng, {"ALL": 85, "FEMALE": 10, "MALE": 5}),
        "min_age_years": min_age,
        "max_age_years": max_age,
        "healthy_volunteers": False,
        "conditions": [{"name": _name(rng, c, 0.3), "term": c["slug"]} for c in conds],
        "interventions": interventions,
        "arms": [
            {
                "label": f"Arm {k + 1}: {it['name']}",
                "type": "PLACEBO_COMPARATOR" if it["is_placebo"] else "EXPERIMENTAL",
                "description": None,
                "interventions": [it["name"]],
            }
            for k, it in enumerate(interventions)
        ],
        "outcomes": [
            {"kind": "primary", "measure": _sentence(rng, v, 5, 10), "time_frame": "Week 16"},
            {"kind": "secondary", "measure": _sentence(rng, v, 5, 10), "time_frame": "Week 52"},
        ],
        "references": [],
        "refractory": {"is_refractory": refractory, "evidence": evidence, "prior_therapies": prior},
        "warnings": [],
    }
    return record


# --- ClinicalTrials.gov API v2 studies, for the import benchmark ---------------------------------

COUNTRY_NAMES = {code: name for code, name, _ in COUNTRIES}


def make_ctgov_study(i: int) -> dict:
    """Synthetic study `i` in the ClinicalTrials.gov API v2 JSON shape (NCT8xxxxxxx IDs)."""
    r = make_record(i, prefix="NCT8", bands=False)

    def date(value):
        return {"date": value, "type": "ACTUAL"} if value else None

    age = {None: None} | {n: f"{n} Years" for n in (2, 12, 18, 65, 75, 80)}
    criteria = (
        "Inclusion Criteria:\n\n"
        + "\n".join(f"* {x}" for x in r["criteria"]["inclusion"])
        + "\n\nExclusion Criteria:\n\n"
        + "\n".join(f"* {x}" for x in r["criteria"]["exclusion"])
    )
    protocol = {
        "identificationModule": {
            "nctId": r["trial_id"],
            "orgStudyIdInfo": {"id": f"DERM-{i:06d}"},
            "organization": {"fullName": r["sponsor"], "class": "INDUSTRY"},
            "briefTitle": r["title"],
            "officialTitle": r["official_title"],
        },
        "statusModule": {
            "statusVerifiedDate": r["last_updated"][:7],
            "overallStatus": r["status"],
            "startDateStruct": date(r["start"]),
            "studyFirstSubmitDate": r["registered"],
            "lastUpdatePostDateStruct": date(r["last_updated"]),
        },
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": r["sponsor"], "class": "INDUSTRY"}},
        "descriptionModule": {"briefSummary": r["summary"]}
        | ({"detailedDescription": r["description"]} if r["description"] else {}),
        "conditionsModule": {"conditions": [c["name"] for c in r["conditions"]]},
        "designModule": {
            "studyType": r["study_type"],
            "phases": r["phases"] or (["NA"] if r["study_type"] == "INTERVENTIONAL" else []),
            "designInfo": {
                "allocation": r["design"]["allocation"],
                "interventionModel": r["design"]["intervention_model"],
                "primaryPurpose": r["design"]["primary_purpose"],
                "maskingInfo": {"masking": r["design"]["masking"]},
            },
            "enrollmentInfo": {"count": r["enrollment"], "type": "ESTIMATED"},
        },
        "armsInterventionsModule": {
            "armGroups": [
                {
                    "label": a["label"],
                    "type": a["type"],
                    "interventionNames": [f"Drug: {n}" for n in a["interventions"]],
                }
                for a in r["arms"]
            ],
            "interventions": [
                {"type": it["type"], "name": it["name"]}
                | ({"description": it["description"]} if it["description"] else {})
                for it in r["interventions"]
            ],
        },
        "outcomesModule": {
            "primaryOutcomes": [
                {"measure": o["measure"], "timeFrame": o["time_frame"]}
                for o in r["outcomes"]
                if o["kind"] == "primary"
            ],
            "secondaryOutcomes": [
                {"measure": o["measure"], "timeFrame": o["time_frame"]}
                for o in r["outcomes"]
                if o["kind"] == "secondary"
            ],
        },
        "eligibilityModule": {
            "eligibilityCriteria": criteria,
            "healthyVolunteers": False,
            "sex": r["sex"],
            "stdAges": ["ADULT"],
        }
        | ({"minimumAge": age[r["min_age_years"]]} if r["min_age_years"] else {})
        | ({"maximumAge": age[r["max_age_years"]]} if r["max_age_years"] else {}),
        "contactsLocationsModule": {
            "centralContacts": [
                {"name": c["name"], "role": "CONTACT", "email": c["email"]} for c in r["contacts"]
            ],
            "locations": [
                {
                    "facility": s["facility"],
                    "status": s["status"],
                    "city": s["city"],
                    "country": COUNTRY_NAMES[s["country"]],
                }
                for s in r["sites"]
            ],
        },
    }
    return {
        "protocolSection": protocol,
        "derivedSection": {
            "conditionBrowseModule": {"meshes": []},
            "interventionBrowseModule": {"meshes": []},
        },
        "hasResults": False,
    }


def write_ctgov_file(path: Path, n: int) -> None:
    """`n` studies as one JSON array, as the site's "Download" gives. Written whole or not at
    all (an interrupted run leaves no short file to be reused), and on disk before it returns:
    the kernel's writing it out later would fall inside the timed import."""
    part = path.with_name(path.name + ".part")
    with part.open("w") as out:
        out.write("[\n")
        for i in range(n):
            if i:
                out.write(",\n")
            json.dump(make_ctgov_study(i), out, ensure_ascii=False)
        out.write("\n]\n")
        out.flush()
        os.fsync(out.fileno())
    part.replace(path)


# --- The query mix's parameter values -------------------------------------------------------------


def head_values(k: int = 8) -> dict[str, list[str]]:
    """The most frequent facet values of the corpus, for the query mix."""
    v = vocab()
    return {
        "condition": [c["slug"] for c in v.conditions[:k]],
        "drug": [d["slug"] for d in v.drugs[:k]],
        "drug_all": [d["slug"] for d in v.drugs],  # Zipf-ranked, the head first
        "country": [code for code, _, _ in COUNTRIES[:k]],
    }
