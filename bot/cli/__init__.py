"""The command line: a thin layer of argparse commands over the engine, the channels and the staff verbs."""
