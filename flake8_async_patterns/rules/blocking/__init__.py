"""The blocking family: calls that block the event loop, directly or through same-module helpers."""
