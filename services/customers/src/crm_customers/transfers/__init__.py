"""Import of customers and contacts from CSV/XLSX, and exports of filtered lists."""
