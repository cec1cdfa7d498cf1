"""What the service reports about itself: Prometheus metrics."""
