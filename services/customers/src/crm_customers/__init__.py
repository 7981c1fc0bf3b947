"""Customers: companies and persons, contacts, history, the public pool."""
