"""Starting Talking Stick: set-up, training when needed, the three processes, the local chat."""
