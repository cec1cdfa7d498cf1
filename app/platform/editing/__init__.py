"""Admin editing: drafts, publishing, revision history and the audit log."""
