"""An identity gateway: an authenticating reverse proxy for web apps and APIs."""
