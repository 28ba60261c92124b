"""caulk.check.dockerfile"""
