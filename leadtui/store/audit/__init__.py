"""The audit trail and each user's inbox."""
