"""The HTTP layer: an aiohttp application with one thin module per CGI family."""
