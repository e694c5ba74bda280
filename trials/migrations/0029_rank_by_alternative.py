"""`trials_rank(vector, query)`: a trial's rank for a query, as `ts_rank_cd(vector, query, 32)`,
computed for a query of alternatives (`a | b`) from the alternative the trial matches alone
when it matches only one.

`ts_rank_cd` tests the whole query at every position of its words in the trial, and its cost
grows with the query's operands: a condition searched with the names of its members
("cutaneous vasculitis" | "IgA vasculitis" | "Henoch-Schönlein purpura") cost 20 ms to rank its
1,587 matches at 100k, where the name typed alone cost 7 (docs/benchmarks.md, session 35). A
trial that matches none of the other alternatives has the same covers for the name typed alone
as for the whole query (a cover is a shortest span where the query holds, and only the typed
name holds in it), hence the same rank, at the cost of the shorter query — unless a word of the
other alternatives stands inside a cover, which the whole query counts among the cover's words
(none of the 1,587 there). So:

- `trials_tsquery_part(query, 1)` is the query's first alternative, `trials_tsquery_part(query,
  2)` the others (NULL when the query is not an OR at its top: `'a' & ('b' | 'c')`);
- `trials_rank` ranks with the first when the trial matches no other, with the others when it
  does not match the first, and with the whole query when it matches both.

`trials_rank` is a plain SQL function: PostgreSQL writes its body into the statement, where the
query is a constant, and computes `trials_tsquery_part` (immutable) once, when planning — not
for every trial. The split reads the query's text as PostgreSQL writes it (`'it''s'` quoted
with its quotes doubled; parentheses only where needed)."""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION trials_tsquery_part(query tsquery, part integer) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    body text := btrim(query::text);
    depth integer;
    quoted boolean;
    position integer;
    closes integer;
    letter text;
BEGIN
    -- Parentheses around the whole query are no part of it.
    WHILE left(body, 1) = '(' LOOP
        depth := 0; quoted := false; closes := 0;
        FOR position IN 1..length(body) LOOP
            letter := substr(body, position, 1);
            IF letter = '''' THEN quoted := NOT quoted;
            ELSIF NOT quoted AND letter = '(' THEN depth := depth + 1;
            ELSIF NOT quoted AND letter = ')' THEN
                depth := depth - 1;
                IF depth = 0 THEN closes := position; EXIT; END IF;
            END IF;
        END LOOP;
        EXIT WHEN closes <> length(body);
        body := btrim(substr(body, 2, length(body) - 2));
    END LOOP;
    depth := 0; quoted := false;
    FOR position IN 1..length(body) LOOP
        letter := substr(body, position, 1);
        IF letter = '''' THEN quoted := NOT quoted;
        ELSIF NOT quoted AND letter = '(' THEN depth := depth + 1;
        ELSIF NOT quoted AND letter = ')' THEN depth := depth - 1;
        ELSIF NOT quoted AND depth = 0 AND letter = '|' THEN
            IF part = 1 THEN
                RETURN left(body, position - 1)::tsquery;
            END IF;
            RETURN substr(body, position + 1)::tsquery;
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION trials_rank(vector tsvector, query tsquery) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN trials_tsquery_part(query, 2) IS NULL THEN ts_rank_cd(vector, query, 32)
        WHEN NOT vector @@ trials_tsquery_part(query, 2)
            THEN ts_rank_cd(vector, trials_tsquery_part(query, 1), 32)
        WHEN NOT vector @@ trials_tsquery_part(query, 1)
            THEN ts_rank_cd(vector, trials_tsquery_part(query, 2), 32)
        ELSE ts_rank_cd(vector, query, 32)
    END
$$;
"""
DROP = """
DROP FUNCTION IF EXISTS trials_rank(tsvector, tsquery);
DROP FUNCTION IF EXISTS trials_tsquery_part(tsquery, integer);
"""


class Migration(migrations.Migration):
    dependencies = [("trials", "0028_treatments_in_search_text")]

    operations = [migrations.RunSQL(FUNCTIONS, DROP)]
