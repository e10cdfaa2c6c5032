# en: case pages of the web interface.
