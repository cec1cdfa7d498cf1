"""Change webhooks: endpoints registered by admins, a transactional outbox, the delivery worker, signed
deliveries (Standard Webhooks) and the checks of where a delivery may connect."""
