"""Message capture: what passes routes and heap objects, written off the event loop to per-route files."""
