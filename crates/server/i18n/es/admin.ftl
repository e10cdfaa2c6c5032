# es: admin pages of the web interface.
