"""Views to words per locale (en, zh), as `Reply` structures adapters format."""
