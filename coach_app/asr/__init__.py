"""Offline speech recognition engines behind one streaming interface."""
