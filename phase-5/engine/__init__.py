"""recurring-task-service: hosts the series workflows and their activities, reacts to task
and series events, owns reminder jobs (subscriptions, reactions, job callback, reconcile)."""
