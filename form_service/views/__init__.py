"""One blueprint per area: the form (apply), the status page, the JSON API, the static site."""
