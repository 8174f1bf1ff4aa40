"""The `observatory` command line: thin commands over library functions."""
