"""The back-pain guidance content: models, schemas, service, snapshot and routes."""
