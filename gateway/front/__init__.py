"""The main listener's connection loop: aiohttp's parser, requests and responses, fewer steps between them."""
