from wuzhen.cli import main

main()
