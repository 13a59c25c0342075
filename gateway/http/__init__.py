"""HTTP foundations shared by every layer: header rules, paths; plain functions, no web framework."""
