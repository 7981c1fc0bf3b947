"""gRPC code generated from proto/ (see `make proto`)."""
