"""List lifecycle: import a publication as a version, diff versions, update from publishers."""
