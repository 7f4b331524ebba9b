// The chat page (filled in by the next commits).
