# ne: admin pages of the web interface.
