from amalint.cli import main

main()
