"""New-episode announcements without Discord: settings, and the pass that claims and records posts."""
