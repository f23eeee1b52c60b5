"""The Review screen: a run's mistakes on the text, why it made them, suspicious labels."""
