"""A Mobile Identity API simulator; imports nothing from dashboard/ or db/."""
