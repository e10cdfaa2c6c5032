# en: admin pages of the web interface.
