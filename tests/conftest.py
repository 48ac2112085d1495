"""Register the emulator's fixtures (`emulator`, `bot_settings`, `live_bot`) for every test."""

pytest_plugins = ["tests.emulator.fixtures"]
