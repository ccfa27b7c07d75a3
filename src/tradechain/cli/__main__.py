from tradechain.cli import main

main()
