"""The web layer: the dashboard, the JSON API, operator endpoints and webhook receivers."""
