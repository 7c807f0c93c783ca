"""consultbot: a Telegram bot through which a city consults its residents."""

__version__ = "0.1.0"
