"""Persistence: SQLModel tables (``models``), the engine (``engine``) and Alembic migrations."""
