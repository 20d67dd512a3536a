"""The PostgreSQL connections' cursor (settings: PG_PREPARED_STATEMENTS).

Parameters are bound by the server, so that psycopg can prepare a statement a connection
repeats and PostgreSQL skips parsing and planning it. PostgreSQL's protocol counts a
statement's parameters in 16 bits, so a statement with more (an `IN` over seventy thousand
ids, which Django's default cursor sends with the values written into the SQL) is sent that
way here too, rather than refused.
"""

import psycopg

#: The most parameters one statement can bind.
MOST_BOUND = 65_535


class PreparingCursor(psycopg.Cursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        if params is not None and len(params) > MOST_BOUND:
            with psycopg.ClientCursor(self.connection) as client:
                query, params = client.mogrify(query, params), None
        return super().execute(query, params, prepare=prepare, binary=binary)
