"""The embeddable <back-pain-guide> web component and a demo page that embeds it."""
