"""Full-text search across published items."""
