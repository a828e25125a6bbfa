"""Bulk downloads: every public contracting process in a few files per publisher and for the whole portal."""
