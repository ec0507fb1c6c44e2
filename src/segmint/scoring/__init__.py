"""Scores and measurements on mart data: CLV, churn and intent, recommendations, campaigns."""
