"""OAuth 2.0 and OpenID Connect client protocols: discovery, keys, tokens, device grant.

Plain protocol code over an `aiohttp.ClientSession` supplied by the caller; no web handlers.
"""
