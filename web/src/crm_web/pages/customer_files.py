"""Files on a customer's page:
drag-and-drop upload with progress, previews of images and PDFs, versions."""

from fastapi import APIRouter

router = APIRouter()
