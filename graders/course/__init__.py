"""What is graded: course.toml as records, submissions read as text, forbidden names found
statically, fingerprints, and errors for people.
"""
