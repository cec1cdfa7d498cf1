"""Cross-cutting pieces: settings, database, errors and HTTP caching."""
