"""Files the hub serves itself: the API docs page's script and the dev login page's style."""
