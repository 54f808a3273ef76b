"""Qt item models of the kiosk screens; testable without any widget."""
