"""Records -> database: raw documents, scope, writing (ORM and COPY from one declaration),
merging, and the importer that runs them. Knows nothing of source formats (trials.readers)."""
