"""The web pages: the configurator, the customer's tracker, the planner console and the integrator page.

Server-rendered Jinja2 templates with a little plain JavaScript (EventSource for live updates) and
SVG/CSS; no front-end build step. Pages read and act through the same JSON API as any client.
"""
