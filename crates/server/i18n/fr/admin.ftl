# fr: admin pages of the web interface.
