"""One module per CLI command, each with `register(subparsers)` setting `func=run`."""
