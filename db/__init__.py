"""Persistence: SQLAlchemy models, engine, queries by table and Alembic migrations."""
