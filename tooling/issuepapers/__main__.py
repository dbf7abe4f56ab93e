from issuepapers.cli import main

raise SystemExit(main())
