"""caulk.report"""
