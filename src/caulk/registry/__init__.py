"""caulk.registry"""
