"""The network of nodes (juki-net): interfaces, envelopes, keys, relay, inbox, message log.

The only code of juki that talks to the messaging server; docs/network.md describes it.
"""
