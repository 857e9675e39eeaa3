"""Streaming meters and the one-pass :func:`analyze`."""
