"""caulk.source"""
