"""Bulk downloads: the whole publication as files anyone can take."""
