"""The browser app: staff console and portals."""
