"""The proxy's own HTTP/1.1 client for upstreams: keep-alive connections parsed by llhttp (httptools).

aiohttp's client does far more per request than a proxy needs (cookie jars, redirects, tracing,
auto headers, a payload system); this one writes the request head in one buffer and hands the
response's raw headers and body chunks straight to the relaying code."""
