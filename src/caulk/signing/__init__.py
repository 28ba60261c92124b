"""caulk.signing"""
