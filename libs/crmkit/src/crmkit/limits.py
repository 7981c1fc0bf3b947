"""Limits several parts enforce, defined once so they agree."""

MIB = 1024 * 1024

# The largest file (one version) the files service stores (`CRM_FILES_MAX_FILE_BYTES`'s
# default). The gateway lets request bodies this large through on `/files…`, and the
# console takes uploads this large, so neither refuses a file the files service would keep.
FILE_MAX_BYTES = 100 * MIB
