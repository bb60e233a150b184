"""Read-only dashboard over ecsguard results: FastAPI, server-rendered Jinja2, small vanilla JS."""
