"""Helpers the tests share, each defined once, as plain modules (fixtures live in conftest)."""
