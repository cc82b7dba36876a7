"""Users, departments, their SSH keys and preferences."""
