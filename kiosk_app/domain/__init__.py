"""Pure-Python domain: records, validation, money, phone, regions, clocks.

Imports nothing of ours outside this package, and only the stdlib, phonenumbers and Babel.
"""
