"""gettext catalogs (domain `messages`), shipped as .po; compiled in memory at start-up."""
