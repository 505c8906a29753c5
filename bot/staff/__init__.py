"""Staff verbs shared by every channel: training, the stats report and chart, the review desk."""
