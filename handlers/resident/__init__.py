"""What residents do: start, choose a language, answer surveys."""
