"""tap-intercom: a Singer tap for Intercom."""
