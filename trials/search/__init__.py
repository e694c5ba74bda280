"""The search engine: facet declarations, the in-process facet index, full text, spelling."""
