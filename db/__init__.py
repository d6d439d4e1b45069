"""Persistence: SQLAlchemy models, engine, repository and Alembic migrations."""
