from coach_app.cli import main

raise SystemExit(main())
