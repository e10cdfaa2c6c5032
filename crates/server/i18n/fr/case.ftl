# fr: case pages of the web interface.
