"""caulk.policy"""
