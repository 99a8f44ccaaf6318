"""The JSON API v1 (`/api/v1/`): every action a rep can take in the pages, for a program with a token.

Each endpoint calls the domain service the pages call; none implements a rule of its own. The schema
(`/api/v1/openapi.json`) is generated from the endpoints' type hints, and the docs page beside it
(`/api/v1/docs`) is served from the Swagger UI assets django-ninja ships (static/, no CDN).
"""
