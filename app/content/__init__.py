"""The back-pain guidance content: models, schemas, the service, clinical codes, list parameters, the parsed
items, their JSON-LD and guide pages, and routes."""
