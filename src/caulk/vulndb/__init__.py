"""caulk.vulndb"""
