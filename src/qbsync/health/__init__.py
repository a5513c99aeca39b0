"""Health: ``qbsync status`` (the one-screen view) and ``qbsync check`` (the weekly cron check with pre-flight
risks, history and reports). Core only: typed results, no printing."""
