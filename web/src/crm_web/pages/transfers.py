"""Import wizard
(upload, mapping with a preview, progress, the row report) and exports with progress."""

from fastapi import APIRouter

router = APIRouter()
