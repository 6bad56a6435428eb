"""The WSGI entry point: `gunicorn app:app` (settings from the POCC_ environment)."""

from pocc.web import create_app

app = create_app()
