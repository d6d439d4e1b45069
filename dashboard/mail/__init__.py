"""Mail: the SMTP sender and the demo mail catcher (the only code importing smtplib or aiosmtpd)."""
