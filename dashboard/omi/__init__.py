"""The only HTTP code: the Mobile Identity client (and, beside it, the identity-store client)."""
