"""One module per `coach-app` sub-command: `add_parser(subparsers)` and `run(args) -> exit code`."""
