from ddss.cli.app import main

main()
