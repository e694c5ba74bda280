"""Which refractory cues count: the judgment trials/readers/refractory.py applies to each cue it
finds, kept apart so that the rules read as a list. Measured on the labelled sentences of real
records in tests/data/refractory_sentences.json (tests/test_refractory_sentences.py).

A cue counts unless a rule says why not:
- Words that say little alone ("failed", "failure of", "resistant to", "lack of efficacy",
  bare "non-responders") count only beside a treatment: a therapy word or a drug or class of
  the vocabulary after them ("failed at least one DMARD", "resistance to methotrexate"), a
  therapy word just before them ("conservative treatment … failed"). So "failed screening",
  "resistance to injection" and "the non-responders group" are not cues.
- "failure to" + a verb that is no response ("failure to do so will be considered a protocol
  violation", "failure to comply", "failed to halt") is not a cue; "failure to respond",
  "failure to conventional therapy" are.
- A failure that is an outcome ("treatment failure will be defined as", "predicts early
  treatment failure", "time to treatment failure") is not a cue.
- A cue whose requirement is waived ("failure on immunosuppressives not required").
- Sentences that are not about the trial's own participants: background on the disease or its
  treatment in general ("ulcers are frequently refractory", "many patients develop resistance",
  "resistance inevitably emerges", "X is approved for refractory …"), other studies and the
  laboratory ("Lee et al", "studies have shown", "preclinical", "cell lines"), research into
  resistance mechanisms, and what happens during the trial ("non-responders during the
  open-label period", "an inadequate response to study treatment at Week 16 may be rescued"),
  and whom it excludes ("those who failed … will be excluded").
- A cue said not to hold ("has not failed any biologic").
"""

from __future__ import annotations

import re

# Therapy words: what a weak cue must be beside.
_THERAPY = (
    r"treatments?|therapy|therapies|therapeutic|regimens?|medications?|medicines?|drugs?|"
    r"agents?|modality|modalities|care|management|steroids?|corticosteroids?|biologics?|"
    r"injections? of|courses?|lines? of"
)
_THERAPY_WORD = re.compile(rf"\b(?:{_THERAPY})\b", re.IGNORECASE)
_WORD = re.compile(r"[\w'-]+")
AFTER_WORDS = 16  # how far after a weak cue its treatment may be named
BEFORE_WORDS = 6

# Cues that say little alone (see the module's docstring).
_WEAK = re.compile(
    r"^(?:fail(?:ed|ing)?|failure\s+\w+|resistan\w*\s+to|lack\s+of\s+efficacy|non-?responders?"
    r"|progress\w*\s+(?:while\s+)?\w+)$",
    re.IGNORECASE,
)
_ENDS_WITH_TO = re.compile(r"\sto$", re.IGNORECASE)
# A failure or a progression as a noun, which outcomes are made of ("time to progression").
_FAILURE_NOUN = re.compile(r"failure$|^progression\b", re.IGNORECASE)
_OUTCOME_BEFORE = re.compile(
    r"\b(?:predict\w*|time\s+to|rates?\s+of|risks?\s+of|probability\s+of|definition\s+of|"
    r"early|number\s+of|proportion\s+of|incidence\s+of)\s+(?:\w+\s+){0,2}?$",
    re.IGNORECASE,
)
_OUTCOME_AFTER = re.compile(
    r"^\W*(?:\w+\s+){0,2}?(?:will|would|could|can|may|is|was|are|were|shall)\s+(?:be\s+)?"
    r"(?:defined|considered|predicted|assessed|determined|measured|counted|recorded)\b"
    r"|^\W*(?:is\s+|was\s+)?defined\s+as\b",
    re.IGNORECASE,
)
# Verbs a response is made of: "failure to respond", "failed to achieve remission".
_RESPONSE_VERBS = frozenset(
    re.findall(
        r"\w+",
        """
    respond improve achieve reach control resolve clear heal benefit attain induce
    maintain normalize normalise sustain
    """,
    )
)
# Verbs that make "failure to …" a matter of conduct or chance, not of treatment.
_OTHER_VERBS = frozenset(
    re.findall(
        r"\w+",
        """
    comply complete do attend follow return provide sign meet use take adhere recover
    swallow thrive obtain give keep report understand perform participate remain stratify halt
    show demonstrate enroll enrol qualify satisfy continue appear capture detect
    identify account consider disclose notify inform contact read speak consent agree abstain
    avoid stop discontinue wash collect submit undergo tolerate
    """,
    )
)
_TO_VERB = re.compile(r"^\s+to\s+(\w+)", re.IGNORECASE)
_SCREENING = re.compile(r"^\s+(?:the\s+)?(?:screen\w*|re-?screen\w*)", re.IGNORECASE)
_MECHANISM = re.compile(
    r"\bmechanisms?\s+of\s+(?:\w+\s+)?resistance\b|\bresistan\w*\s+mechanisms?\b", re.IGNORECASE
)
_WAIVED = re.compile(r"\bnot\s+(?:required|necessary|needed|mandatory)\b|\bneed\s+not\b", re.I)
# Not about the trial's own participants (see the module's docstring).
_NOT_THIS_TRIAL = re.compile(
    r"\b(?:often|frequently|commonly|usually|sometimes|inevitably|eventually|typically|"
    r"generally)\b"
    r"|\b(?:many|most|some)\s+(?:of\s+(?:the\s+|these\s+|them\b)|\w+\s+)?(?:patients|cases|"
    r"people|subjects|cells|tumou?rs)\b|^(?:many|most|some)\b|\ba\s+number\s+of\s+(?:them|patients)\b"
    r"|\bet\s+al\b|\bstudies\s+(?:have\s+|has\s+)?(?:shown|showed|found|demonstrated|reported)\b"
    r"|\b(?:a|one|previous|prior|recent|earlier)\s+study\s+(?:by|completed|showed|found|"
    r"demonstrated|reported)\b|\b(?:has|have)\s+been\s+(?:shown|reported|demonstrated)\b"
    r"|\bevidence\s+(?:shows|showed|suggests|suggested)\b|\b(?:is|are|was|has\s+been)\s+approved\b"
    r"|\bpre-?clinical\b|\bin\s+vitro\b|\bcell\s+lines?\b|\banimal\s+models?\b",
    re.IGNORECASE,
)
# Before a cue: it happens during the trial ("non-responders during the open-label period").
_DURING_TRIAL = re.compile(
    r"\bduring\s+(?:the\s+)?(?:study|trial|open[- ]label|OL|double[- ]blind|treatment\s+period)\b",
    re.IGNORECASE,
)


# The trial's own treatment failing, or its rescue ("an inadequate response to study treatment
# at Week 16 may be rescued with …"); who is excluded ("those who failed … will be excluded").
_OWN_TREATMENT = re.compile(
    r"\b(?:to|with|on)\s+(?:the\s+)?(?:study|investigational|trial)\s+"
    r"(?:treatment|drug|medication|product|intervention|therapy)\b|\bat\s+week\s+\d+"
    r"|\brescue[ds]?\b|\bIMP\b",
    re.IGNORECASE,
)
_EXCLUDED = re.compile(
    r"\b(?:will|would|shall|are|is|to)\s+be\s+excluded\b|\bare\s+excluded\b", re.IGNORECASE
)
# A cue said not to hold ("has not failed any biologic", "no prior failure of …").
_NEGATED_BEFORE = re.compile(r"\b(?:not|no|never|without)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


def about_this_trial(sentence: str) -> bool:
    """False for background, literature, the laboratory and what happens during the trial,
    its own treatment's failure or rescue, and whom it excludes."""
    return not (
        _NOT_THIS_TRIAL.search(sentence)
        or _MECHANISM.search(sentence)
        or _OWN_TREATMENT.search(sentence)
        or _EXCLUDED.search(sentence)
    )


def counts(cue: re.Match, sentence: str, treatments: list) -> bool:
    """Whether a cue found in `sentence` is evidence; `treatments` are the drug and class
    mentions of the sentence (vocabulary.Mention)."""
    text = cue[0]
    after = sentence[cue.end() :]
    before = sentence[: cue.start()]
    if _WAIVED.search(after) or _DURING_TRIAL.search(before):
        return False
    if _NEGATED_BEFORE.search(before) and re.match(
        r"fail|refract|resist|progress", text, re.IGNORECASE
    ):
        return False  # "has not failed …", "no progression after …" (but "no response" is one)
    if _FAILURE_NOUN.search(text) and (
        _OUTCOME_BEFORE.search(sentence[: cue.start()]) or _OUTCOME_AFTER.search(after)
    ):
        return False
    if not _WEAK.search(text):
        return True
    if text.lower().startswith("fail"):
        if _SCREENING.match(after):
            return False
        verb = _first(after) if _ENDS_WITH_TO.search(text) else _TO_VERB.match(after)
        if verb and verb.group(1).lower() in _RESPONSE_VERBS:
            return True
        if verb and verb.group(1).lower() in _OTHER_VERBS:
            return False
    if text.lower().startswith("non") and not re.match(r"\s+to\b", after):
        return _names_before(sentence[: cue.start()], treatments, 3)
    return _beside_treatment(sentence, cue, treatments)


def _first(text: str) -> re.Match | None:
    return re.match(r"^\s*(\w+)", text)


def _beside_treatment(sentence: str, cue: re.Match, treatments: list) -> bool:
    """A therapy word or a drug or class named after the cue, or a therapy word just before."""
    if any(mention.start >= cue.end() for mention in treatments):
        return True
    following = " ".join(_WORD.findall(sentence[cue.end() :])[:AFTER_WORDS])
    if _THERAPY_WORD.search(following):
        return True
    preceding = " ".join(_WORD.findall(sentence[: cue.start()])[-BEFORE_WORDS:])
    return bool(_THERAPY_WORD.search(preceding))


def _names_before(before: str, treatments: list, words: int) -> bool:
    """A treatment named within `words` words before a cue ("TNF non-responders")."""
    near = " ".join(_WORD.findall(before)[-words:])
    if _THERAPY_WORD.search(near):
        return True
    start = len(before) - len(near) - 1
    return any(start <= mention.start < len(before) for mention in treatments)
