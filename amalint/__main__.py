from amalint.cli import run

run()
