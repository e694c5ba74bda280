"""Reading whether a trial enrols refractory patients, and which therapies must have failed.

Rules, chosen to be explainable to a clinician reading the evidence quotes:
- Only the title, official title, summary, description and inclusion criteria speak about the
  population; exclusion criteria never do (seed 003 excludes "refractory hypertension").
  Criteria without inclusion/exclusion headings are read as a whole.
- A sentence is evidence when it has a cue ("refractory", "recalcitrant", "treatment-resistant",
  "inadequate response to", "failed", "despite treatment with", …) that counts
  (trials/readers/refractory_cues.py: "failed screening", "failure to do so will be considered
  a protocol violation", outcome definitions, background and other studies do not), unless the
  cue is about another disease: a non-skin complaint follows the cue ("refractory
  hypertension"), or the sentence names conditions of which none is (related to) the trial's
  own — seed 000's background sentence on refractory lupus in a dermatomyositis trial is not
  evidence. Measured on labelled sentences of real records (tests/test_refractory_sentences.py).
- Prior therapies are the drugs and drug classes an evidence sentence names after its first cue
  (or glued before it: "steroid-refractory", or given before it: "treated with steroids but
  had an incomplete response"), minus the trial's own interventions: in "Dupilumab
  in pemphigoid refractory to topical corticosteroids" dupilumab is tested, not failed; and
  after words that turn to the current treatment ("…treated with biologics") nothing counts.
  Class words map to class slugs ("topical steroids" -> corticosteroids, "immunosuppressive
  agents" -> immunosuppressants); examples listed elsewhere in a criterion ("including
  methotrexate, azathioprine, …") are not read unless they sit in the cue's sentence.
- Decision: no separate topical-corticosteroids class. Topical vs systemic is a route, not a
  class; a curator can add the class later without changing readers.
"""

import re
from typing import TYPE_CHECKING

from trials.readers.refractory_cues import about_this_trial, counts

if TYPE_CHECKING:
    from trials.readers.record import Refractory
    from trials.readers.vocabulary import Vocabulary

MAX_QUOTE = 200
# The value of the `prior_therapy` facet for a refractory trial that names no treatment that
# must have failed ("refractory dermatomyositis"): whoever any treatment failed may join it.
NONE_NAMED = "unspecified"
MAX_EVIDENCE = 6

_CUE = re.compile(
    r"\brefractory\b|\brecalcitrant\b|\b(?:treatment|therapy|drug|steroid|corticosteroid)"
    r"[- ]resistant\b|\bresistant to\b|\bresistance to\b"
    r"|\b(?:inadequate(?:ly)?|insufficient(?:ly)?|incomplete|partial|suboptimal|poor)\s+"
    r"(?:response|responders?|responded|responding|controlled|(?:disease\s+)?control)\b"
    r"|\bnon-?responders?\b|\bunresponsive\s+to\b|\bfailed\s+to\s+respond\b"
    r"|\bnot\s+respond(?:ed|ing)?\s+(?:well\s+|adequately\s+|sufficiently\s+)?to\b"
    r"|\bhave\s+not\s+responded\b|\bnot\s+have\s+responded\b"
    # "inability to taper steroids", "steroid-dependent": the disease needs what should stop
    r"|\b(?:inability|unable|not\s+able)\s+to\s+taper\b"
    r"|\b(?:steroid|corticosteroid|glucocorticoid|prednisone)[- ]dependen(?:t|ce|cy)\b"
    r"|\bfail(?:ed|ing)\b|\bfailure\s+(?:of|to|with|on)\b"
    r"|\b(?:treatment|therapy|therapeutic)\s+failure\b"
    r"|\bdespite\s+(?:\w+\s+){0,3}?(?:treatments?|therapy|therapies|use|administration|"
    r"management|care|medications?|regimens?)\b"
    r"|\black\s+of\s+(?:efficacy|response)\b|\bloss\s+of\s+response\b"
    # oncology's failures: "progressed on osimertinib", "progression after platinum-based
    # chemotherapy" (weak cues: a treatment must be named beside them, refractory_cues.py)
    r"|\bprogress(?:ed|ing|ion)\s+(?:while\s+)?(?:on|after|following|despite)\b",
    re.IGNORECASE,
)
_OTHER_DISEASE = re.compile(
    r"\b(?:refractory|resistant|recalcitrant)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:hypertension|epilep\w*|seizures?|angina|an(?:a)?emia|ascites|shock|hypox\w*|"
    r"heart\s+failure|cancer|tumou?rs?|lymphoma|leuka?emia|myeloma|malignanc\w*|pain|"
    r"hypokal\w*|thrombocytopenia|asthma|celiac|coeliac|diarrho?ea|constipation|nausea|"
    r"vomiting|cough|depression|schizophrenia|migraine|headache|glaucoma|infections?|"
    r"tuberculosis|bacteria\w*|hiv)\b",
    re.IGNORECASE,
)
# Every cue contains one of these (a cheap test that most text fails): each alternative of
# _CUE starts with, or contains, one of them ("non-responders": respond; "unresponsive":
# responsive; "lack of efficacy": lack).
_CUE_WORDS = (
    "refractory",
    "recalcitrant",
    "resistan",
    "inadequate",
    "insufficient",
    "incomplete",
    "partial",
    "suboptimal",
    "poor",
    "respond",
    "responsive",
    "fail",
    "despite",
    "lack",
    "loss",
    "taper",
    "dependen",
    "progress",
)
# A sentence ends at ". " before a capital, or at a period glued to the next capital after a
# word, digit or percent ("…intolerance to treatment.Treatment failure…", "…>25%.Treatment").
_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z(\"'])|(?<=[a-z0-9)\]%][.!?])(?=[A-Z][a-z])|\n\s*\n"
)


_SPACES = re.compile(r"\s+")


def _may_cue(text: str) -> bool:
    """False when `text` certainly has no cue (a few substring tests instead of the regex)."""
    lower = text.lower()
    return any(word in lower for word in _CUE_WORDS)


def _sentences(text: str) -> list[str]:
    return [_SPACES.sub(" ", s).strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _quote(sentence: str, at: int) -> str:
    if len(sentence) <= MAX_QUOTE:
        return sentence
    start = max(0, min(at - 60, len(sentence) - MAX_QUOTE + 2))
    start = sentence.find(" ", start) + 1 if start else 0
    end = start + MAX_QUOTE - 2
    end = sentence.rfind(" ", start, end) if end < len(sentence) else len(sentence)
    head = "…" if start else ""
    tail = "…" if end < len(sentence) else ""
    return f"{head}{sentence[start:end].strip()}{tail}"


def _passages(record: dict) -> list[str]:
    criteria = record.get("criteria") or {}
    parts = [record.get(f) for f in ("title", "official_title", "summary", "description")]
    if criteria.get("inclusion") or criteria.get("exclusion"):
        parts += criteria.get("inclusion") or []
    else:
        parts.append(criteria.get("text"))
    return [p for p in parts if p]


def _about_other_condition(sentence: str, trial_terms: set[str], vocab: "Vocabulary") -> bool:
    if _OTHER_DISEASE.search(sentence):
        return True
    if not trial_terms:
        return False
    named = {m.slug for m in vocab.find(sentence, ("condition",), abbreviations=False)}
    return bool(named) and not any(
        vocab.related_conditions(n, t) for n in named for t in trial_terms
    )


# After the cue, these words turn from what failed to what is given now.
_NOW_GIVEN = re.compile(
    r"\b(?:(?<!previously )(?<!been )(?<!already )treated with|now receiv\w*|switch\w* to|"
    r"start\w* on|versus|vs\.?|compared (?:with|to)|randomi[sz]ed to)\b",
    re.IGNORECASE,
)


# Just before a therapy named ahead of the cue: it was given before ("have been treated with
# steroids but had no response"), not tested.
_GIVEN_BEFORE = re.compile(
    r"\b(?:treated|pre-?treated|receiving|received|taking|took)\s+with\s+$"
    r"|\b(?:receiving|received|taking|took)\s+$",
    re.IGNORECASE,
)
# How far before its cue such a therapy may be named (characters).
GIVEN_BEFORE_REACH = 150


def _named_as_failed(sentence: str, mention, cue_start: int) -> bool:
    """Therapies named after the cue failed ("refractory to antimalarials") unless the sentence
    has turned to the current treatment ("…refractory HS treated with biologics"); one glued
    before the cue failed too ("steroid-refractory"), and one given earlier ("treated with
    steroids but had an incomplete response"); one named earlier otherwise is the tested drug
    ("Dupilumab in pemphigoid refractory to …")."""
    if mention.start >= cue_start:
        now = _NOW_GIVEN.search(sentence, cue_start)
        return now is None or mention.start < now.start()
    if sentence[mention.end : cue_start] in ("-", " "):
        return True
    before = sentence[max(0, mention.start - 40) : mention.start]
    return cue_start - mention.end <= GIVEN_BEFORE_REACH and bool(_GIVEN_BEFORE.search(before))


def _counted_cue(sentence: str, trial_terms: set[str], vocab: "Vocabulary"):
    """The sentence's first cue that is evidence (refractory_cues.counts), with the drugs and
    classes it names; None when it has none or is about another disease or not this trial."""
    cues = list(_CUE.finditer(sentence)) if _may_cue(sentence) else []
    if not cues or not about_this_trial(sentence):
        return None
    if _about_other_condition(sentence, trial_terms, vocab):
        return None
    treatments = vocab.find(sentence, ("drug", "class"))
    cue = next((cue for cue in cues if counts(cue, sentence, treatments)), None)
    return (cue, treatments) if cue else None


def read_refractory(record: dict, vocab: "Vocabulary") -> "Refractory":
    """`{"is_refractory", "evidence", "prior_therapies"}` for a finished record."""
    trial_terms = {c["term"] for c in record.get("conditions") or [] if c.get("term")}
    own_drugs = {i["drug"] for i in record.get("interventions") or [] if i.get("drug")}
    evidence: list[str] = []
    prior: list[str] = []
    for passage in _passages(record):
        if not _may_cue(passage):
            continue  # no sentence of it can have a cue: skip splitting it
        for sentence in _sentences(passage):
            found = _counted_cue(sentence, trial_terms, vocab)
            if found is None:
                continue
            cue, treatments = found
            quote = _quote(sentence, cue.start())
            if quote not in evidence and len(evidence) < MAX_EVIDENCE:
                evidence.append(quote)
            for mention in treatments:
                if not _named_as_failed(sentence, mention, cue.start()):
                    continue
                if mention.slug not in own_drugs and mention.slug not in prior:
                    prior.append(mention.slug)
    return {"is_refractory": bool(evidence), "evidence": evidence, "prior_therapies": prior}
