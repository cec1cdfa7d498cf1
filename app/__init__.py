"""Back-pain guidance API."""

from importlib.metadata import version

# One version, from the package metadata, for the API, its OpenAPI document and the widget.
__version__ = version("backpain")
