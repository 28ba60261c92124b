"""caulk.match.version"""
