"""caulk.check.image"""
