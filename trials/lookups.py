"""`field__any=[...]`: `field = ANY(%s)` with the values as one array parameter.

`__in` writes one placeholder per value; with the loader's batches of 500 the query text differs
from batch to batch and psycopg and Django rework each long statement in Python. One array
parameter keeps the statement the same, and PostgreSQL uses the same indexes.
"""

from django.db import models


@models.CharField.register_lookup
@models.TextField.register_lookup
class AnyOf(models.Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::text[])", [*lhs_params, *rhs_params]
