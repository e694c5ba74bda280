"""The web layer: views, presenters (URLs and labels for the page), the trial page, URLs."""
