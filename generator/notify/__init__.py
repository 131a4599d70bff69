"""`insigne notify`: the letter each recipient gets by email when awarded a badge.

- `compose`: pure functions, an award in, an `email.message.EmailMessage` out (theme templates
  `email/letter.txt` and `email/letter.html`, in the recipient's language);
- `built`: what the built site publishes for an award (its baked image), checked to be current;
- `send`: the SMTP session (standard library `smtplib`, verified TLS);
- `record`: `content/notifications.json`, what was sent, committed and merged like the ledger.
"""
