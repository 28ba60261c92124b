"""caulk.match"""
