"""`make bench`: each module measures its figures side by side in one run and prints the ratios."""
