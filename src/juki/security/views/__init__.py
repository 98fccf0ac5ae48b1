"""Staff pages of the security app: login and session pages (``auth``), administration (``admin*``)."""
