"""A throwaway PostgreSQL database for a bench run (shared by the bench scripts)."""


def database_reset(server: str, name: str, *, create: bool) -> None:
    """Drop database `name` on `server` (a postgres:// URL without a database) if it exists,
    and with `create` make it anew, empty."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')
