from jsscore.cli import entry

entry()
