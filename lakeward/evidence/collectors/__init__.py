"""One small function per evidence source: a file, folder or URI in, evidence items out.

A collector whose source is absent returns an item with status `not evaluated`, never a pass.
"""
