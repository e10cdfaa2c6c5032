# pt: admin pages of the web interface.
