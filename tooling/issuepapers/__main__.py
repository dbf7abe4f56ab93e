from issuepapers.cli import run

run()
