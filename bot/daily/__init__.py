"""Daily takeaway posts: schedule maths, rotation, and the sweep that claims and posts each day."""
