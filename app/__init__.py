"""Back-pain guidance API."""
