"""Authentication at the gateway: providers, browser login, device flow, bearer tokens."""
