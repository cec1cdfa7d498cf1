"""Serving from memory: the snapshot that composes content, search, triage and sync, the views the routes read
it through, the refresher that keeps it and the key ring current, and the fast path's stages."""
