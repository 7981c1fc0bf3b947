"""Service desk: tickets, SLAs, surveys, knowledge base."""
