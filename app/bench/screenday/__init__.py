"""Screen-day benchmark: a scripted working day rendered as screenshots, with questions and gold answers."""
