"""Admin editing: drafts, publishing, revision history, recommendations, and the change-feed records and
audit entries each write makes (the audit table is `app.platform.audit`)."""
