"""Pure helpers shared by every app. Imports nothing of ecredit and nothing of Django."""
