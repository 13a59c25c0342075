"""Capture applied to heap objects and routes: the build hook and the wrappers it puts around them."""
