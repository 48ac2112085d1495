"""Keep the running bot current: notice changed files and other writers, reload, announce."""
