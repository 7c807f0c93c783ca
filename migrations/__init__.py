"""Alembic migrations, shipped inside the package so `consultbot migrate` works from a wheel."""
