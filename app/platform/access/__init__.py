"""Who may call the API and how often: API keys, scope checks, the per-request guard and rate limits."""
