"""caulk.sink"""
