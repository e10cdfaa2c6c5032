# es: case pages of the web interface.
