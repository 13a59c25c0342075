"""Security signals (OpenID Shared Signals 1.0, CAEP 1.0): each session end becomes a signed
session-revoked Security Event Token in a durable outbox, pushed (RFC 8935) or polled (RFC 8936);
received SETs end the matching local sessions. `lifetime.signals_lifetime` starts it all."""
