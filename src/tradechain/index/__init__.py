"""The index: the suite's events in a database (SQLite file by default, PostgreSQL by URL).

schema (tables) and migrations/ (alembic), db (opening and migrating), rawlogs (logs in and out), derive (typed
rows from events), reader (reads served from the index), queries (one function per page: explorer, API, CLI).
The indexer that fills it is tradechain.indexer.
"""
