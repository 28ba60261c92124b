"""caulk.cli"""
