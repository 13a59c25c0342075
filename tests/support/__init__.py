"""Test support: real servers on loopback."""
