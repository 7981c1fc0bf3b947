"""Sales: leads, opportunities, quotes, contracts, orders, payments."""
