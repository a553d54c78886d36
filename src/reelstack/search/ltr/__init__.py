"""Learning to rank: LambdaMART over logged features, trained from the click log with
position-bias correction, versioned and promoted only when it beats the ranker in use."""
