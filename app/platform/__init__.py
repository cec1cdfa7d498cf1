"""Keys, rate limits, editing with drafts, mobile sync and metrics."""
