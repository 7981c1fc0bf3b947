"""Test support shared by every part's tests (pytest plugin, builders, a token signer)."""
