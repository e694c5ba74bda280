"""A trial's insert is logged and its rank vector written once per statement, not per row.

The change log (0002, 0019) and RankVector (0023) were kept by row triggers: for a bulk load
(COPY of 500 trials) that is a PL/pgSQL call and an INSERT per trial, each. An insert now fires
one statement trigger per table with the statement's new rows (a transition table), and one
INSERT … SELECT does the rows of all of them. Updates and deletes keep their row triggers (the
change log records what an update changed, row by row)."""

from django.db import migrations

FORWARD = """
DROP TRIGGER trials_trial_change ON trials_trial;
CREATE TRIGGER trials_trial_change AFTER UPDATE OR DELETE ON trials_trial
    FOR EACH ROW EXECUTE FUNCTION trials_log_change();
CREATE FUNCTION trials_log_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trials_trialchange (trial_id) SELECT id FROM added;
    RETURN NULL;
END $$;
CREATE TRIGGER trials_trial_change_inserts AFTER INSERT ON trials_trial
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION trials_log_inserts();

DROP TRIGGER trials_trial_rank_vector ON trials_trial;
CREATE TRIGGER trials_trial_rank_vector AFTER UPDATE OF search, last_updated ON trials_trial
    FOR EACH ROW EXECUTE FUNCTION trials_keep_rank_vector();
CREATE FUNCTION trials_keep_rank_vectors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trials_rankvector (trial_id, search, last_updated)
        SELECT id, search, last_updated FROM added
        ON CONFLICT (trial_id)
        DO UPDATE SET search = EXCLUDED.search, last_updated = EXCLUDED.last_updated;
    RETURN NULL;
END $$;
CREATE TRIGGER trials_trial_rank_vector_inserts AFTER INSERT ON trials_trial
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION trials_keep_rank_vectors();
"""

BACKWARD = """
DROP TRIGGER trials_trial_change_inserts ON trials_trial;
DROP FUNCTION trials_log_inserts();
DROP TRIGGER trials_trial_change ON trials_trial;
CREATE TRIGGER trials_trial_change AFTER INSERT OR UPDATE OR DELETE ON trials_trial
    FOR EACH ROW EXECUTE FUNCTION trials_log_change();
DROP TRIGGER trials_trial_rank_vector_inserts ON trials_trial;
DROP FUNCTION trials_keep_rank_vectors();
DROP TRIGGER trials_trial_rank_vector ON trials_trial;
CREATE TRIGGER trials_trial_rank_vector
    AFTER INSERT OR UPDATE OF search, last_updated ON trials_trial
    FOR EACH ROW EXECUTE FUNCTION trials_keep_rank_vector();
"""


class Migration(migrations.Migration):
    dependencies = [("trials", "0023_rank_vector")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
