# ne: case pages of the web interface.
