"""What people read: feedback per student, the class table and page, Gradescope's results.json."""
