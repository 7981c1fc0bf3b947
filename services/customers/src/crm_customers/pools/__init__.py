"""Public pools (公海): claiming, releasing, assigning, automatic reclaim, hand-overs."""
