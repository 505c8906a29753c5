"""Entry point: ``python run_bot.py [command]``; see ``python run_bot.py --help``."""

import sys

from bot.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
