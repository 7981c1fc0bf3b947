"""Platform code every CRM service shares. It never imports a service."""
