"""E-mail alerts without an account: "tell me about new trials for this search".

- `models.py`: an alert (an e-mail address, a search's canonical query string, daily or weekly)
  and what each alert has reported (trial and the version reported). Registered with the trials
  app by its ready() (trials/apps.py), like the sync's models.
- `searches.py`: a search's parameters as one canonical query string, read by params.py (the
  search page's own parsing), and the trials of a search changed since a moment (params.py's
  FilterSet: the filters are never written twice).
- `signup.py`: sign-up (throttled per client address and per e-mail address), double opt-in
  (a random token, stored hashed, that expires), unsubscribing (a signed link; the row is
  deleted, never flagged).
- `digest.py`: the periodic job's work (trials/jobs.py `send_alerts`): each due alert's new and
  changed trials, at most one e-mail a day or a week, never a trial twice unless it changed.
- `mail.py`: the e-mails, plain text with an HTML alternative, `List-Unsubscribe` headers.

The web side (forms, pages) is trials/web/alerts.py.
"""
