"""Disclosure, correction and suspension-of-use requests (開示請求・訂正請求・利用停止請求).

A resident may ask for everything held on them and the record of who accessed it (開示),
for a correction (訂正), or that use of their data be stopped (利用停止). Each request is
tracked from receipt to completion or refusal; see docs/privacy-disclosure.md.
"""
