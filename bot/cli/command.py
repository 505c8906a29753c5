"""The shape of a command-line command, shared by the modules that add commands."""

from __future__ import annotations

import argparse
from typing import Callable, TextIO

from bot.settings import Settings

Command = Callable[[argparse.Namespace, Settings, TextIO, TextIO], int]
