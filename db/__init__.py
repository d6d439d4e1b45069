"""Persistence: SQLAlchemy models, engine, queries by table and Alembic migrations."""

# Every model module registers its tables on ``db.models.Base.metadata`` when imported; this
# makes the metadata whole for Alembic and the tests whichever ``db`` module comes first.
from db import push_models as _push_models  # noqa: F401
