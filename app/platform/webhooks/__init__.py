"""Change webhooks: endpoints registered by admins, a transactional outbox, and the delivery worker."""
