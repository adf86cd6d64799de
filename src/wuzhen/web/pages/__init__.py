"""The web UI's pages, one module per area; each holds an ``APIRouter`` named ``router``."""
