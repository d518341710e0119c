"""What is built from solutions/: exercises/, the nbgrader course, the Gradescope bundle."""
