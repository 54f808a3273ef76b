"""The sync protocol shared by the kiosk and the central server: messages, the answer's
line layout, sealed files and the USB bundle. Below the store; imports only the domain."""
