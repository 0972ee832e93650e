"""Readers for the shared corpora: each yields documents as {id, text, spans} through 🤗 datasets."""
