"""The kiosk's screens, one module per page."""
