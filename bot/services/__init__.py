"""Application services: they decide and flush; the per-update unit of work commits. No aiogram here."""
