"""A trial's search terms (`text_terms`, weight B of the generated `search` vector) end with the
acronyms of the instruments its outcomes are measured with ("DLQI", "PASI", "ACR20"), as
trials.loading.columns._term_words derives them now from trials.readers.instruments (the
outcomes' measures, joined by a space; an acronym as written, a name in any case, each whole).
The patterns are copied here, as a migration must not change when the code does; the acronyms
are appended to stored trials that do not end with them already, so that running it over
freshly loaded trials changes nothing (tests/test_search_instruments.py; the relevance test
over the corpus). It rewrites only the trials whose outcomes name one (a few in a hundred);
run `VACUUM (ANALYZE) trials_trial, trials_rankvector` after it on a large database."""

from django.db import migrations

# (acronym, its acronyms as written, its names in any case), in the vocabulary's order.
_INSTRUMENTS = (
    ('DLQI', '(^|[^A-Za-z0-9])(CDLQI|cDLQI|DLQI)([^A-Za-z]|$)', "(^|[^a-z0-9])(children's\\s+dermatology\\s+life\\s+quality\\s+index|dermatology\\s+life\\s+quality\\s+index)([^a-z]|$)"),
    ('PASI', '(^|[^A-Za-z0-9])(PASI)([^A-Za-z]|$)', '(^|[^a-z0-9])(psoriasis\\s+area\\s+and\\s+severity\\s+index|psoriasis\\s+area\\s+severity\\s+index)([^a-z]|$)'),
    ('EASI', '(^|[^A-Za-z0-9])(EASI)([^A-Za-z]|$)', '(^|[^a-z0-9])(eczema\\s+area\\s+and\\s+severity\\s+index|eczema\\s+area\\s+severity\\s+index)([^a-z]|$)'),
    ('SCORAD', '(^|[^A-Za-z0-9])(oSCORAD|SCORAD)([^A-Za-z]|$)', '(^|[^a-z0-9])(scoring\\s+of\\s+atopic\\s+dermatitis|scoring\\s+atopic\\s+dermatitis)([^a-z]|$)'),
    ('POEM', '(^|[^A-Za-z0-9])(POEM)([^A-Za-z]|$)', '(^|[^a-z0-9])(patient\\-oriented\\s+eczema\\s+measure|patient\\s+oriented\\s+eczema\\s+measure)([^a-z]|$)'),
    ('IGA', '(^|[^A-Za-z0-9])(vIGA\\-AD|vIGA|IGA)([^A-Za-z]|$)', "(^|[^a-z0-9])(investigator's\\s+global\\s+assessment|investigators\\s+global\\s+assessment|investigator\\s+global\\s+assessment)([^a-z]|$)"),
    ('PGA', '(^|[^A-Za-z0-9])(sPGA|PGA)([^A-Za-z]|$)', "(^|[^a-z0-9])(physician's\\s+global\\s+assessment|physicians\\s+global\\s+assessment|physician\\s+global\\s+assessment)([^a-z]|$)"),
    ('NRS', '(^|[^A-Za-z0-9])(PP\\-NRS|NRS)([^A-Za-z]|$)', '(^|[^a-z0-9])(numerical\\s+rating\\s+scale|numeric\\s+rating\\s+scale|peak\\s+pruritus)([^a-z]|$)'),
    ('VAS', '(^|[^A-Za-z0-9])(VAS)([^A-Za-z]|$)', '(^|[^a-z0-9])(visual\\s+analogue\\s+scale|visual\\s+analog\\s+scale)([^a-z]|$)'),
    ('CDASI', '(^|[^A-Za-z0-9])(CDASI)([^A-Za-z]|$)', '(^|[^a-z0-9])(cutaneous\\s+dermatomyositis\\s+disease\\s+area\\s+and\\s+severity\\s+index)([^a-z]|$)'),
    ('CLASI', '(^|[^A-Za-z0-9])(CLASI)([^A-Za-z]|$)', '(^|[^a-z0-9])(cutaneous\\s+lupus\\s+erythematosus\\s+disease\\s+area\\s+and\\s+severity\\s+index)([^a-z]|$)'),
    ('SLEDAI', '(^|[^A-Za-z0-9])(SELENA\\-SLEDAI|SLEDAI\\-2K|SLEDAI)([^A-Za-z]|$)', '(^|[^a-z0-9])(systemic\\s+lupus\\s+erythematosus\\s+disease\\s+activity\\s+index)([^a-z]|$)'),
    ('BILAG', '(^|[^A-Za-z0-9])(BILAG)([^A-Za-z]|$)', '(^|[^a-z0-9])(british\\s+isles\\s+lupus\\s+assessment\\s+group)([^a-z]|$)'),
    ('SRI', '(^|[^A-Za-z0-9])(SRI\\(4\\)|SRI\\-4|SRI)([^A-Za-z]|$)', '(^|[^a-z0-9])(sle\\s+responder\\s+index)([^a-z]|$)'),
    ('mRSS', '(^|[^A-Za-z0-9])(mRSS|MRSS)([^A-Za-z]|$)', '(^|[^a-z0-9])(modified\\s+rodnan\\s+skin\\s+score|rodnan\\s+skin\\s+score)([^a-z]|$)'),
    ('HiSCR', '(^|[^A-Za-z0-9])(HiSCR)([^A-Za-z]|$)', '(^|[^a-z0-9])(hidradenitis\\s+suppurativa\\s+clinical\\s+response)([^a-z]|$)'),
    ('ACR20', '(^|[^A-Za-z0-9])(ACR\\s+20|ACR20)([^A-Za-z]|$)', None),
    ('ACR50', '(^|[^A-Za-z0-9])(ACR\\s+50|ACR50)([^A-Za-z]|$)', None),
    ('ACR70', '(^|[^A-Za-z0-9])(ACR\\s+70|ACR70)([^A-Za-z]|$)', None),
    ('DAS28', '(^|[^A-Za-z0-9])(DAS\\-28|DAS\\s+28|DAS28)([^A-Za-z]|$)', '(^|[^a-z0-9])(disease\\s+activity\\s+score\\s+in\\s+28\\s+joints|disease\\s+activity\\s+score\\s+28)([^a-z]|$)'),
    ('HAQ', '(^|[^A-Za-z0-9])(HAQ\\-DI|HAQ)([^A-Za-z]|$)', '(^|[^a-z0-9])(health\\s+assessment\\s+questionnaire)([^a-z]|$)'),
    ('SF-36', '(^|[^A-Za-z0-9])(SF\\-36|SF36)([^A-Za-z]|$)', '(^|[^a-z0-9])(short\\s+form\\s+36|short\\s+form\\-36|short\\-form\\s+36)([^a-z]|$)'),
    ('EQ-5D', '(^|[^A-Za-z0-9])(EQ\\-5D\\-5L|EQ\\-5D\\-3L|EQ\\-5D|EQ5D)([^A-Za-z]|$)', '(^|[^a-z0-9])(euroqol)([^a-z]|$)'),
    ('MMT-8', '(^|[^A-Za-z0-9])(MMT\\-8|MMT8)([^A-Za-z]|$)', '(^|[^a-z0-9])(manual\\s+muscle\\s+testing|manual\\s+muscle\\s+test)([^a-z]|$)'),
    ('IMACS', '(^|[^A-Za-z0-9])(IMACS)([^A-Za-z]|$)', '(^|[^a-z0-9])(total\\s+improvement\\s+score)([^a-z]|$)'),
    ('Skindex', '(^|[^A-Za-z0-9])(Skindex)([^A-Za-z]|$)', '(^|[^a-z0-9])(skindex)([^a-z]|$)'),
    ('UAS7', '(^|[^A-Za-z0-9])(UAS7)([^A-Za-z]|$)', '(^|[^a-z0-9])(urticaria\\s+activity\\s+score)([^a-z]|$)'),
    ('SALT', '(^|[^A-Za-z0-9])(SALT)([^A-Za-z]|$)', '(^|[^a-z0-9])(severity\\s+of\\s+alopecia\\s+tool)([^a-z]|$)'),
    ('VASI', '(^|[^A-Za-z0-9])(F\\-VASI|T\\-VASI|VASI)([^A-Za-z]|$)', '(^|[^a-z0-9])(vitiligo\\s+area\\s+scoring\\s+index)([^a-z]|$)'),
    ('ESSDAI', '(^|[^A-Za-z0-9])(ESSDAI)([^A-Za-z]|$)', "(^|[^a-z0-9])(eular\\s+sjogren's\\s+syndrome\\s+disease\\s+activity\\s+index|eular\\s+sjögren's\\s+syndrome\\s+disease\\s+activity\\s+index)([^a-z]|$)"),
    ('ESSPRI', '(^|[^A-Za-z0-9])(ESSPRI)([^A-Za-z]|$)', "(^|[^a-z0-9])(eular\\s+sjogren's\\s+syndrome\\s+patient\\s+reported\\s+index|eular\\s+sjögren's\\s+syndrome\\s+patient\\s+reported\\s+index)([^a-z]|$)"),
    ('NAPSI', '(^|[^A-Za-z0-9])(NAPSI)([^A-Za-z]|$)', '(^|[^a-z0-9])(nail\\s+psoriasis\\s+severity\\s+index)([^a-z]|$)'),
    ('PROMIS', '(^|[^A-Za-z0-9])(PROMIS)([^A-Za-z]|$)', None),
    ('Schirmer', '(^|[^A-Za-z0-9])(Schirmer)([^A-Za-z]|$)', '(^|[^a-z0-9])(schirmer)([^a-z]|$)'),
)
_MEASURES = """(SELECT string_agg(outcome->>'measure', ' ')
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(record->'outcomes') = 'array'
        THEN record->'outcomes' ELSE '[]'::jsonb END) AS outcome
    WHERE jsonb_typeof(outcome) = 'object')"""


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _found(acronym: str, exact: str | None, anycase: str | None) -> str:
    tests = [f"measures ~ {_quoted(exact)}" if exact else None]
    tests.append(f"measures ~* {_quoted(anycase)}" if anycase else None)
    either = " OR ".join(test for test in tests if test)
    return f"CASE WHEN {either} THEN {_quoted(acronym)} END"


WORDS = "concat_ws(' ', " + ", ".join(_found(*row) for row in _INSTRUMENTS) + ")"
REBUILD = f"""UPDATE trials_trial AS trial
SET text_terms = concat_ws(' ', NULLIF(trial.text_terms, ''), found.words)
FROM (SELECT id, {WORDS} AS words FROM (
    SELECT id, {_MEASURES} AS measures FROM trials_trial) AS measured
    WHERE measures IS NOT NULL) AS found
WHERE trial.id = found.id AND found.words <> '' AND trial.text_terms <> found.words
    AND right(trial.text_terms, length(found.words) + 1) <> ' ' || found.words"""  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("trials", "0026_design_words")]

    operations = [migrations.RunSQL(REBUILD, migrations.RunSQL.noop)]
