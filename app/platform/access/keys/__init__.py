"""API keys: creation, revocation and the in-memory key ring every request is checked against."""
