"""The one public entry: authentication, tenant resolution, routing."""
