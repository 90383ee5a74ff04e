"""Audio in: sources (files, devices), voice activity / turns, prosody. Everything leaves here as
16 kHz int16 frames per channel."""

SAMPLE_RATE = 16000
