"""caulk.catalog"""
