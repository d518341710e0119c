"""Hidden graders for lesson 5: advanced optimization techniques."""
