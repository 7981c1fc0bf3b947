"""The public pools (公海):
browse, claim, release with a reason, assign in bulk, and the countdown to reclaim."""

from fastapi import APIRouter

router = APIRouter()
