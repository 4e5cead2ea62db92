from fieldsurvey.cli import main

main()
