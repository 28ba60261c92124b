"""caulk.harden"""
