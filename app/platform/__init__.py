"""What runs the service for its users beyond the content: access (keys, the guard, rate limits), editing,
webhooks and observability, with the audit log they share."""
