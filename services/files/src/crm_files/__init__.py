"""Files: metadata and versions of attachments; bytes in object storage."""
