"""Pure-Python domain: records, validation, money, phone, regions, clocks. Imports nothing of ours."""
