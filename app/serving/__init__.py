"""The in-memory snapshot that composes content, search, triage and sync for the fast path."""
