"""What a finished call adds up to: summary figures, a readable timeline, JSON lines."""
