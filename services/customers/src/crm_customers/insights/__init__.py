"""Where customers are (map), dates to greet them (care), and their potential score."""
