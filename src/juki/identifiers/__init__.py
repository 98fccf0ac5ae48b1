"""Identifiers of the resident register with their check digits (検査数字).

Plain Python, no Django: other systems may import this package on its own.
"""
