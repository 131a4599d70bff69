"""ESCO, the European Commission's classification of skills and occupations, offline.

Owns: reading the official CSV download into a small index kept in the user's cache
(`index`), searching it, checking a badge's ESCO alignments against it (`checks`), and the
pure functions that say what an ESCO URI is and turn a concept into a badge alignment
(`concepts`). The build never needs the index: what it publishes comes from the front matter.
"""
