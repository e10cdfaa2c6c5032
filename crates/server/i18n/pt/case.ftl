# pt: case pages of the web interface.
