"""Bansos Terbuka: validate, link, protect and publish social-assistance data as open aggregates."""

__version__ = "0.1.0"
