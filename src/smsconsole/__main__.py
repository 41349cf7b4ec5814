from smsconsole.cli import main

raise SystemExit(main())
