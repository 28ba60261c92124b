"""caulk.fs"""
