"""The demo: an echo upstream and the gateway serving the example routes."""
