"""Alembic environment: migrations run on the connection the index opened (index.db.upgrade), never on a URL
read from an ini file, so SQLite files and PostgreSQL servers migrate the same way."""

from alembic import context

from tradechain.index.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
