"""Search: the OpenSearch read model, global search and reports."""
